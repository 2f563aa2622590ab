/**
 * MemoCache: the configurations (linearized set, model state) the search has already reached
 * (Lowe's improvement to Wing & Gong; Porcupine's `cache`). Reaching a configuration again, by
 * another order of the same ops, cannot lead anywhere new, so the search prunes it.
 *
 * Dominance for optional ops (unknown outcome): a configuration with the same required ops and
 * state as a cached one, and a superset of its optional ops, is pruned too. Every completion
 * from it is also a completion from the cached one, which has more optional ops still available
 * and loses nothing by leaving an optional op out (it can always go last, unchecked). Without
 * this, each pending timed-out write doubles the configurations the search must exhaust before
 * it can call a history illegal.
 *
 * Entries live in one growable word slab: the required words low..high (see linearized-set.ts)
 * then the optional words; buckets are chained through an index array under a 53-bit key mixing
 * the Zobrist hash with the state. The whole cache is bounded by `bytesMax`: past it, `add`
 * answers `full` and the search gives up with `unknown` rather than grow without limit.
 */
import { assert } from '../../shared/assert.ts'
import type { LinearizedSet } from './linearized-set.ts'

export type AddResult = 'added' | 'present' | 'full'

const initialEntries = 1024
const initialSlabWords = 16 * 1024
/** Per entry beyond its words: five Int32 fields and about 40 bytes of Map bucket. */
const entryOverheadBytes = 60

export class MemoCache {
  readonly #bytesMax: number
  readonly #buckets = new Map<number, number>()
  #slab = new Uint32Array(initialSlabWords)
  #slabUsed = 0
  #offset = new Int32Array(initialEntries)
  #low = new Int32Array(initialEntries)
  #high = new Int32Array(initialEntries)
  #state = new Int32Array(initialEntries)
  #chain = new Int32Array(initialEntries)
  #size = 0

  constructor(bytesMax: number) {
    assert(bytesMax > 0, 'the cache needs a positive bound')
    this.#bytesMax = bytesMax
  }

  get size(): number {
    return this.#size
  }

  get bytes(): number {
    return this.#slabUsed * 4 + this.#size * entryOverheadBytes
  }

  /** Records (set, state); `present` if it or a configuration dominating it is cached. */
  add(set: LinearizedSet, state: number): AddResult {
    const key = bucketKey(set.hashHigh, set.hashLow, state)
    const head = this.#buckets.get(key) ?? -1
    for (let entry = head; entry !== -1; entry = this.#chain[entry]!) {
      if (this.#state[entry] === state && this.#dominates(entry, set)) return 'present'
    }
    const span = Math.max(0, set.high - set.low + 1)
    const words = span + set.optional.length
    if (this.bytes + words * 4 + entryOverheadBytes > this.#bytesMax) return 'full'
    this.#reserve(words)
    const entry = this.#size++
    const offset = this.#slabUsed
    if (span > 0) this.#slab.set(set.required.subarray(set.low, set.high + 1), offset)
    this.#slab.set(set.optional, offset + span)
    this.#slabUsed += words
    this.#offset[entry] = offset
    this.#low[entry] = set.low
    this.#high[entry] = set.high
    this.#state[entry] = state
    this.#chain[entry] = head
    this.#buckets.set(key, entry)
    return 'added'
  }

  /** Same required ops, and the cached optional ops are a subset of the set's. */
  #dominates(entry: number, set: LinearizedSet): boolean {
    if (this.#low[entry] !== set.low || this.#high[entry] !== set.high) return false
    const offset = this.#offset[entry]!
    const span = Math.max(0, set.high - set.low + 1)
    for (let w = 0; w < span; w++) {
      if (this.#slab[offset + w] !== set.required[set.low + w]) return false
    }
    const optional = set.optional
    for (let w = 0; w < optional.length; w++) {
      if ((this.#slab[offset + span + w]! & ~optional[w]!) !== 0) return false
    }
    return true
  }

  #reserve(words: number): void {
    if (this.#slabUsed + words > this.#slab.length) {
      const slab = new Uint32Array(Math.max(this.#slab.length * 2, this.#slabUsed + words))
      slab.set(this.#slab.subarray(0, this.#slabUsed))
      this.#slab = slab
    }
    if (this.#size === this.#state.length) {
      const grow = (from: Int32Array): Int32Array<ArrayBuffer> => {
        const to = new Int32Array(from.length * 2)
        to.set(from)
        return to
      }
      this.#offset = grow(this.#offset)
      this.#low = grow(this.#low)
      this.#high = grow(this.#high)
      this.#state = grow(this.#state)
      this.#chain = grow(this.#chain)
    }
  }
}

/** Folds the 64-bit set hash and the state into a safe-integer Map key (53 bits). */
function bucketKey(hashHigh: number, hashLow: number, state: number): number {
  const mixedHigh = (hashHigh ^ Math.imul(state + 1, 0x85ebca6b)) & 0x1fffff
  const mixedLow = (hashLow ^ Math.imul(state + 1, 0x9e3779b1)) >>> 0
  return mixedHigh * 0x100000000 + mixedLow
}
