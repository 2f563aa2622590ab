/**
 * LinearizedSet: which ops the search has linearized so far, in the shape the memo cache needs.
 *
 * Ops come in two classes. Required ops (finite return) must all be linearized; their bits are
 * numbered in invocation order, so the set is "all ones up to a frontier, a ragged window of
 * concurrent ops, then zeros": it is kept as a bitset with `low` (first word not all ones) and
 * `high` (last word not all zeros) tracked incrementally, and the cache stores only words
 * low..high. Optional ops (unknown outcome, returning at +infinity) need never be linearized;
 * they get a separate small bitset, because the cache compares that part by inclusion, not
 * equality (see memo-cache.ts).
 *
 * The hash is Zobrist's over the required ops only: each has a random 64-bit word (two u32
 * halves, from a seeded Prng) and the hash is the XOR of the words of the ops in the set, so a
 * toggle updates it in O(1) instead of rehashing the bitset.
 */
import { assert } from '../../shared/assert.ts'
import { SeededPrng } from '../../shared/random/prng.ts'

export class LinearizedSet {
  readonly required: Uint32Array
  readonly optional: Uint32Array
  /** First word of `required` that is not all ones (its length if all are). */
  low = 0
  /** Last word of `required` that is not all zeros (-1 if none). */
  high = -1
  hashHigh = 0
  hashLow = 0
  readonly #bitOf: Int32Array
  readonly #isOptional: Uint8Array
  readonly #zobristHigh: Uint32Array
  readonly #zobristLow: Uint32Array
  readonly #ones: Uint8Array
  readonly #capacity: Uint8Array

  constructor(callTimes: readonly number[], returnTimes: readonly number[], zobristSeed: number) {
    const count = callTimes.length
    this.#bitOf = new Int32Array(count)
    this.#isOptional = new Uint8Array(count)
    const byCall = Array.from({ length: count }, (_, op) => op)
    byCall.sort((a, b) => callTimes[a]! - callTimes[b]! || a - b)
    let requiredCount = 0
    let optionalCount = 0
    for (const op of byCall) {
      const optional = returnTimes[op] === Infinity
      this.#isOptional[op] = optional ? 1 : 0
      this.#bitOf[op] = optional ? optionalCount++ : requiredCount++
    }
    this.required = new Uint32Array(Math.ceil(requiredCount / 32))
    this.optional = new Uint32Array(Math.ceil(optionalCount / 32))
    this.#ones = new Uint8Array(this.required.length)
    this.#capacity = new Uint8Array(this.required.length).fill(32)
    if (requiredCount % 32 !== 0) this.#capacity[this.required.length - 1] = requiredCount % 32
    const prng = new SeededPrng(zobristSeed)
    this.#zobristHigh = new Uint32Array(count)
    this.#zobristLow = new Uint32Array(count)
    for (let op = 0; op < count; op++) {
      this.#zobristHigh[op] = prng.nextU32()
      this.#zobristLow[op] = prng.nextU32()
    }
  }

  isOptional(op: number): boolean {
    return this.#isOptional[op] === 1
  }

  /** Adds op if absent, removes it if present. */
  toggle(op: number): void {
    const bit = this.#bitOf[op]!
    const word = bit >>> 5
    const mask = 1 << (bit & 31)
    if (this.#isOptional[op] === 1) {
      this.optional[word] = this.optional[word]! ^ mask
      return
    }
    this.hashHigh ^= this.#zobristHigh[op]!
    this.hashLow ^= this.#zobristLow[op]!
    const adding = (this.required[word]! & mask) === 0
    this.required[word] = this.required[word]! ^ mask
    if (adding) this.#added(word)
    else this.#removed(word)
  }

  #added(word: number): void {
    this.#ones[word]!++
    if (word > this.high) this.high = word
    while (this.low < this.required.length && this.#ones[this.low] === this.#capacity[this.low]) {
      this.low++
    }
  }

  #removed(word: number): void {
    assert(this.#ones[word]! > 0, 'removing from an empty word')
    this.#ones[word]!--
    if (word < this.low) this.low = word
    while (this.high >= 0 && this.#ones[this.high] === 0) this.high--
  }
}
