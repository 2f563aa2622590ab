/**
 * EntryList: the doubly linked list of call and return entries that the Wing–Gong–Lowe search
 * walks (Porcupine's `entry` list), in flat typed arrays. Node 0 is the head sentinel and node
 * 2n+1 the tail sentinel; nodes 1..2n are the entries in time order. `lift` unlinks an op's call
 * and return entries when the search linearizes it, and `unlift` puts them back, in O(1) each.
 *
 * Order: by time, and at equal times calls before returns, so two ops that touch at one instant
 * count as concurrent (the lenient reading of a clock tie). Ops with an unknown outcome return
 * at +infinity, after every finite return.
 */
import { assert } from '../../shared/assert.ts'

export const headNode = 0

export class EntryList {
  readonly next: Int32Array
  readonly prev: Int32Array
  /** The op index of each entry node (-1 for the sentinels). */
  readonly opOf: Int32Array
  /** For a call node, its return node; -1 for return nodes. */
  readonly returnOf: Int32Array
  readonly tailNode: number

  constructor(callTimes: readonly number[], returnTimes: readonly number[]) {
    assert(callTimes.length === returnTimes.length, 'one call and one return time per op')
    const count = callTimes.length
    const nodes = 2 * count + 2
    this.next = new Int32Array(nodes)
    this.prev = new Int32Array(nodes)
    this.opOf = new Int32Array(nodes).fill(-1)
    this.returnOf = new Int32Array(nodes).fill(-1)
    this.tailNode = nodes - 1
    const order = sortedEntries(callTimes, returnTimes)
    const callNode = new Int32Array(count)
    order.forEach((entry, position) => {
      const node = position + 1
      const op = entry >> 1
      this.opOf[node] = op
      if ((entry & 1) === 0) callNode[op] = node
      else this.returnOf[callNode[op]!] = node
    })
    for (let node = 0; node < nodes; node++) {
      this.next[node] = node + 1
      this.prev[node] = node - 1
    }
  }

  isCall(node: number): boolean {
    return this.returnOf[node] !== -1
  }

  /** Unlinks a call entry and its return entry. */
  lift(callNode: number): void {
    const returnNode = this.returnOf[callNode]!
    assert(returnNode > callNode, 'lift takes a call entry')
    this.#unlink(callNode)
    this.#unlink(returnNode)
  }

  /** Relinks what `lift(callNode)` unlinked; undo in reverse order of lifting. */
  unlift(callNode: number): void {
    const returnNode = this.returnOf[callNode]!
    this.#relink(returnNode)
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
function sortedEntries(callTimes: readonly number[], returnTimes: readonly number[]): number[] {
  const entries: number[] = []
  for (let op = 0; op < callTimes.length; op++) {
    assert(returnTimes[op]! >= callTimes[op]!, `op ${op} returns before it is called`)
    entries.push(op * 2, op * 2 + 1)
  }
  const timeOf = (entry: number): number =>
    (entry & 1) === 0 ? callTimes[entry >> 1]! : returnTimes[entry >> 1]!
  entries.sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b)
  return entries
}
