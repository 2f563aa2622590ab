/**
 * EntryList: a doubly linked list of call (and return) entries that the Wing–Gong–Lowe search
 * walks (Porcupine's `entry` list), in flat typed arrays. Node 0 is the head sentinel and the
 * last node the tail sentinel; the nodes between are the entries in time order. `lift` unlinks
 * an op's entries when the search linearizes it, and `unlift` puts them back, in O(1) each.
 *
 * Order: by time, and at equal times calls before returns, so two ops that touch at one instant
 * count as concurrent (the lenient reading of a clock tie). A list built without returns holds
 * only call entries: the search keeps ops with an unknown outcome (returning at +infinity) in
 * such a list of their own, so walking the required ops never steps over them.
 */
import { assert } from '../../shared/assert.ts'

export const headNode = 0

export class EntryList {
  readonly next: Int32Array
  readonly prev: Int32Array
  /** The op index of each entry node (-1 for the sentinels). */
  readonly opOf: Int32Array
  /** 1 for a call entry. */
  readonly #isCall: Uint8Array
  /** For a call node, its return node; -1 for return nodes and lists without returns. */
  readonly #returnOf: Int32Array
  readonly tailNode: number

  constructor(
    ops: readonly number[],
    callTimes: readonly number[],
    returnTimes: readonly number[],
    withReturns: boolean,
  ) {
    const nodes = ops.length * (withReturns ? 2 : 1) + 2
    this.next = new Int32Array(nodes)
    this.prev = new Int32Array(nodes)
    this.opOf = new Int32Array(nodes).fill(-1)
    this.#isCall = new Uint8Array(nodes)
    this.#returnOf = new Int32Array(nodes).fill(-1)
    this.tailNode = nodes - 1
    const callNode = new Map<number, number>()
    sortedEntries(ops, callTimes, returnTimes, withReturns).forEach((entry, position) => {
      const node = position + 1
      const op = entry >> 1
      this.opOf[node] = op
      if ((entry & 1) === 0) {
        this.#isCall[node] = 1
        callNode.set(op, node)
      } else {
        this.#returnOf[callNode.get(op)!] = node
      }
    })
    for (let node = 0; node < nodes; node++) {
      this.next[node] = node + 1
      this.prev[node] = node - 1
    }
  }

  isCall(node: number): boolean {
    return this.#isCall[node] === 1
  }

  /** Unlinks a call entry and its return entry, if any. */
  lift(callNode: number): void {
    assert(this.isCall(callNode), 'lift takes a call entry')
    const returnNode = this.#returnOf[callNode]!
    this.#unlink(callNode)
    if (returnNode !== -1) this.#unlink(returnNode)
  }

  /** Relinks what `lift(callNode)` unlinked; undo in reverse order of lifting. */
  unlift(callNode: number): void {
    const returnNode = this.#returnOf[callNode]!
    if (returnNode !== -1) this.#relink(returnNode)
    this.#relink(callNode)
  }

  #unlink(node: number): void {
    const before = this.prev[node]!
    const after = this.next[node]!
    this.next[before] = after
    this.prev[after] = before
  }

  #relink(node: number): void {
    this.next[this.prev[node]!] = node
    this.prev[this.next[node]!] = node
  }
}

/** Entries as `op * 2 + (0 call | 1 return)`, sorted by time, calls first at equal times. */
function sortedEntries(
  ops: readonly number[],
  callTimes: readonly number[],
  returnTimes: readonly number[],
  withReturns: boolean,
): number[] {
  const entries: number[] = []
  for (const op of ops) {
    assert(returnTimes[op]! >= callTimes[op]!, `op ${op} returns before it is called`)
    entries.push(op * 2)
    if (withReturns) entries.push(op * 2 + 1)
  }
  const timeOf = (entry: number): number =>
    (entry & 1) === 0 ? callTimes[entry >> 1]! : returnTimes[entry >> 1]!
  entries.sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b)
  return entries
}
