/**
 * GenerationalMemo: a bounded memo that keeps what is still being used. Two generations of at
 * most `generationMax` entries: a lookup tries the current one, then the previous one (the
 * entry moves to the current one with the same value); when the current one is full it becomes
 * the previous one and the old previous one is dropped. So an entry looked up at least once per
 * generation is never recomputed, and the memo holds at most 2 × generationMax entries.
 *
 * Why not clear a full map: under Zipf traffic over more keys than the bound, a memo that
 * empties itself recomputes its hottest entries after every clear (and hands out new objects,
 * losing whatever was memoized on the old ones). Why not an LRU: a hit here is one Map lookup,
 * with no reordering.
 */
import { assert } from '../assert.ts'

export class GenerationalMemo<K, V> {
  readonly #generationMax: number
  readonly #compute: (key: K) => V
  #current = new Map<K, V>()
  #previous = new Map<K, V>()

  /** `compute` makes a missing value; it must not return undefined (that marks a miss). */
  constructor(generationMax: number, compute: (key: K) => V) {
    assert(Number.isInteger(generationMax) && generationMax >= 1, 'generationMax must be >= 1')
    this.#generationMax = generationMax
    this.#compute = compute
  }

  /** Entries held over both generations (at most 2 × generationMax). */
  get size(): number {
    return this.#current.size + this.#previous.size
  }

  /** The memoized value of `key` (the same value while it stays memoized), made if missing. */
  get(key: K): V {
    const known = this.#current.get(key)
    if (known !== undefined) return known
    const kept = this.#previous.get(key)
    const value = kept === undefined ? this.#compute(key) : kept
    assert(value !== undefined, 'a memoized value is never undefined')
    if (this.#current.size >= this.#generationMax) {
      this.#previous = this.#current
      this.#current = new Map()
    }
    this.#current.set(key, value)
    return value
  }
}
