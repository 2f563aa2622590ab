/**
 * MemoCache: the set of (linearized ops, model state) configurations the search has already
 * explored (Lowe's improvement to Wing & Gong; Porcupine's `cache`). Reaching a configuration a
 * second time, by another order of the same ops, cannot lead anywhere new, so it is pruned.
 *
 * The linearized set is a bitset (`Uint32Array`). Its hash is Zobrist's: each op has a random
 * 64-bit word (two u32 halves, from a seeded Prng) and the set's hash is the XOR of its ops'
 * words, so linearizing or undoing an op updates the hash in O(1) instead of rehashing the set.
 * Entries are stored in one growable slab (`wordsPerSet` words each) with chained buckets, and
 * the whole cache is bounded by `bytesMax`: past it, `add` reports `full` and the search gives
 * up with `unknown` rather than grow without limit.
 */
import { assert } from '../../shared/assert.ts'
import type { Prng } from '../../shared/random/prng.ts'

/** The per-op random words of the Zobrist hash. */
export class ZobristWords {
  readonly high: Uint32Array
  readonly low: Uint32Array

  constructor(count: number, prng: Prng) {
    this.high = new Uint32Array(count)
    this.low = new Uint32Array(count)
    for (let i = 0; i < count; i++) {
      this.high[i] = prng.nextU32()
      this.low[i] = prng.nextU32()
    }
  }
}

export type AddResult = 'added' | 'present' | 'full'

const initialEntries = 1024

export class MemoCache {
  readonly #wordsPerSet: number
  readonly #entriesMax: number
  readonly #buckets = new Map<number, number>()
  #sets: Uint32Array
  #states: Int32Array
  #chain: Int32Array
  #size = 0

  constructor(opCount: number, bytesMax: number) {
    this.#wordsPerSet = Math.max(1, Math.ceil(opCount / 32))
    // Per entry: the set, the state, the chain link, and about 40 bytes of Map bucket.
    const entryBytes = this.#wordsPerSet * 4 + 8 + 40
    this.#entriesMax = Math.max(1, Math.floor(bytesMax / entryBytes))
    const entries = Math.min(initialEntries, this.#entriesMax)
    this.#sets = new Uint32Array(entries * this.#wordsPerSet)
    this.#states = new Int32Array(entries)
    this.#chain = new Int32Array(entries)
  }

  get size(): number {
    return this.#size
  }

  /** Records (set, state) under its hash; `present` if it was already there. */
  add(hashHigh: number, hashLow: number, set: Uint32Array, state: number): AddResult {
    assert(set.length === this.#wordsPerSet, 'bitset width does not match the cache')
    const key = bucketKey(hashHigh, hashLow, state)
    const head = this.#buckets.get(key) ?? -1
    for (let entry = head; entry !== -1; entry = this.#chain[entry]!) {
      if (this.#states[entry] === state && this.#equalSet(entry, set)) return 'present'
    }
    if (this.#size === this.#entriesMax) return 'full'
    if (this.#size === this.#states.length) this.#grow()
    const entry = this.#size++
    this.#sets.set(set, entry * this.#wordsPerSet)
    this.#states[entry] = state
    this.#chain[entry] = head
    this.#buckets.set(key, entry)
    return 'added'
  }

  #equalSet(entry: number, set: Uint32Array): boolean {
    const base = entry * this.#wordsPerSet
    for (let w = 0; w < set.length; w++) if (this.#sets[base + w] !== set[w]) return false
    return true
  }

  #grow(): void {
    const entries = Math.min(this.#states.length * 2, this.#entriesMax)
    assert(entries > this.#states.length, 'cache grown past its bound')
    const sets = new Uint32Array(entries * this.#wordsPerSet)
    sets.set(this.#sets)
    this.#sets = sets
    const states = new Int32Array(entries)
    states.set(this.#states)
    this.#states = states
    const chain = new Int32Array(entries)
    chain.set(this.#chain)
    this.#chain = chain
  }
}

/** Folds the 64-bit set hash and the state into a safe-integer Map key (53 bits). */
function bucketKey(hashHigh: number, hashLow: number, state: number): number {
  const mixedHigh = (hashHigh ^ Math.imul(state + 1, 0x85ebca6b)) & 0x1fffff
  const mixedLow = (hashLow ^ Math.imul(state + 1, 0x9e3779b1)) >>> 0
  return mixedHigh * 0x100000000 + mixedLow
}
