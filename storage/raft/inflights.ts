/**
 * Inflights: the pipeline window of append messages sent to one follower and not yet
 * acknowledged, as a ring of their last indexes (and byte sizes). The leader stops sending
 * appends to a follower when the window is full by count or by bytes.
 */
import { assert } from '../../shared/assert.ts'
import type { Index } from './messages.ts'

export class Inflights {
  readonly #capacity: number
  readonly #maxBytes: number
  readonly #indexes: Float64Array
  readonly #sizes: Float64Array
  #start = 0
  #count = 0
  #bytes = 0

  constructor(capacity: number, maxBytes: number) {
    assert(capacity > 0 && maxBytes > 0, 'inflights: capacity and bytes must be positive')
    this.#capacity = capacity
    this.#maxBytes = maxBytes
    this.#indexes = new Float64Array(capacity)
    this.#sizes = new Float64Array(capacity)
  }

  get count(): number {
    return this.#count
  }

  full(): boolean {
    return this.#count === this.#capacity || this.#bytes >= this.#maxBytes
  }

  /** Records an append whose last entry is `index`; indexes must increase. */
  add(index: Index, bytes: number): void {
    assert(!this.full(), 'inflights: add to a full window')
    const slot = (this.#start + this.#count) % this.#capacity
    if (this.#count > 0) {
      const last = this.#indexes[(slot + this.#capacity - 1) % this.#capacity]!
      assert(index > last, `inflights: index ${index} not after ${last}`)
    }
    this.#indexes[slot] = index
    this.#sizes[slot] = bytes
    this.#count++
    this.#bytes += bytes
  }

  /** Frees every append with last index <= `index` (they were acknowledged). */
  freeLE(index: Index): void {
    while (this.#count > 0 && this.#indexes[this.#start]! <= index) {
      this.#bytes -= this.#sizes[this.#start]!
      this.#start = (this.#start + 1) % this.#capacity
      this.#count--
    }
    if (this.#count === 0) {
      this.#start = 0
      this.#bytes = 0
    }
  }

  reset(): void {
    this.#start = 0
    this.#count = 0
    this.#bytes = 0
  }
}
