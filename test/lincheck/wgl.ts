/**
 * The Wing–Gong–Lowe search for one partition (one key), after Porcupine's `checkSingle`: walk
 * the entry list; at a call entry, try to linearize that op now (the model accepts its output
 * from the current state and the (set, state) configuration is new) and restart from the head;
 * at a return entry, the op returning there was not linearized in time, so undo the most recent
 * choice and try the next candidate after it. The history is linearizable when every op with a
 * finite return is linearized: ops still pending with unknown outcomes can all be placed at the
 * end, after everything else, where their unchecked outputs cannot fail.
 *
 * Iterative (an explicit stack, no recursion), allocation-free in the loop, and bounded: the
 * clock is read every `stepsPerClockRead` steps against the deadline, and the memo cache has a
 * byte bound; either exhausted gives `unknown`. With `trackLongest`, the deepest partial
 * linearization is kept for the violation report (O(depth) per new maximum, so it is only asked
 * for when re-running a partition already known to be illegal).
 */
import { assert } from '../../shared/assert.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { EntryList, headNode } from './entry-list.ts'
import { MemoCache, ZobristWords } from './memo-cache.ts'
import type { CompiledOps } from './register-model.ts'

const stepsPerClockRead = 4096

export interface SearchInput {
  readonly ops: CompiledOps
  readonly callTimes: readonly number[]
  /** +Infinity for an op with an unknown outcome (unless clamped by the pre-pass). */
  readonly returnTimes: readonly number[]
  readonly initialState: number
  readonly zobristSeed: number
  readonly cacheBytesMax: number
  readonly deadlineMs: number
  readonly nowMs: () => number
  readonly trackLongest: boolean
}

export interface SearchResult {
  readonly verdict: 'linearizable' | 'not-linearizable' | 'unknown'
  /** Why the search gave up, for `unknown`. */
  readonly gaveUp: 'deadline' | 'memory' | null
  readonly steps: number
  readonly cacheEntries: number
  /** With trackLongest and not linearizable: the deepest partial linearization, in order. */
  readonly longest: readonly number[] | null
}

export function searchPartition(input: SearchInput): SearchResult {
  return new Search(input).run()
}

class Search {
  readonly #input: SearchInput
  readonly #list: EntryList
  readonly #zobrist: ZobristWords
  readonly #cache: MemoCache
  readonly #linearized: Uint32Array
  readonly #stackNode: Int32Array
  readonly #stackState: Int32Array
  #depth = 0
  #state: number
  #hashHigh = 0
  #hashLow = 0
  #required = 0
  #steps = 0
  #longest: number[] | null = null

  constructor(input: SearchInput) {
    const count = input.ops.count
    assert(input.callTimes.length === count && input.returnTimes.length === count, 'times')
    this.#input = input
    this.#list = new EntryList(input.callTimes, input.returnTimes)
    this.#zobrist = new ZobristWords(count, new SeededPrng(input.zobristSeed))
    this.#cache = new MemoCache(count, input.cacheBytesMax)
    this.#linearized = new Uint32Array(Math.max(1, Math.ceil(count / 32)))
    this.#stackNode = new Int32Array(count)
    this.#stackState = new Int32Array(count)
    this.#state = input.initialState
    for (const time of input.returnTimes) if (time !== Infinity) this.#required++
  }

  run(): SearchResult {
    const list = this.#list
    let node = list.next[headNode]!
    while (this.#required > 0) {
      if (++this.#steps % stepsPerClockRead === 0 && this.#input.nowMs() > this.#input.deadlineMs) {
        return this.#result('unknown', 'deadline')
      }
      assert(node !== list.tailNode, 'search ran off the list with required ops left')
      if (!list.isCall(node)) {
        if (this.#depth === 0) return this.#result('not-linearizable', null)
        node = this.#undo()
        continue
      }
      const op = list.opOf[node]!
      const after = this.#input.ops.step(this.#state, op)
      if (after === -1) {
        node = list.next[node]!
        continue
      }
      this.#toggle(op)
      const added = this.#cache.add(this.#hashHigh, this.#hashLow, this.#linearized, after)
      if (added === 'full') return this.#result('unknown', 'memory')
      if (added === 'present') {
        this.#toggle(op)
        node = list.next[node]!
        continue
      }
      this.#push(node, after)
      node = list.next[headNode]!
    }
    return this.#result('linearizable', null)
  }

  #push(node: number, after: number): void {
    const op = this.#list.opOf[node]!
    this.#stackNode[this.#depth] = node
    this.#stackState[this.#depth] = this.#state
    this.#depth++
    this.#state = after
    this.#list.lift(node)
    if (this.#input.returnTimes[op] !== Infinity) this.#required--
    if (this.#input.trackLongest && this.#depth > (this.#longest?.length ?? 0)) {
      this.#longest = Array.from(this.#stackNode.subarray(0, this.#depth), (n) => {
        return this.#list.opOf[n]!
      })
    }
  }

  /** Pops the latest choice and returns the entry after it, the next candidate to try. */
  #undo(): number {
    this.#depth--
    const node = this.#stackNode[this.#depth]!
    const op = this.#list.opOf[node]!
    this.#state = this.#stackState[this.#depth]!
    this.#toggle(op)
    this.#list.unlift(node)
    if (this.#input.returnTimes[op] !== Infinity) this.#required++
    return this.#list.next[node]!
  }

  /** Flips op's bit in the linearized set and its Zobrist word in the hash. */
  #toggle(op: number): void {
    this.#linearized[op >>> 5]! ^= 1 << (op & 31)
    this.#hashHigh ^= this.#zobrist.high[op]!
    this.#hashLow ^= this.#zobrist.low[op]!
  }

  #result(verdict: SearchResult['verdict'], gaveUp: SearchResult['gaveUp']): SearchResult {
    const longest = verdict === 'not-linearizable' ? this.#longest : null
    return { verdict, gaveUp, steps: this.#steps, cacheEntries: this.#cache.size, longest }
  }
}
