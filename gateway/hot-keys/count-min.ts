/**
 * Count-Min sketch with conservative update (Cormode and Muthukrishnan 2005; Estan and
 * Varghese 2002) over one fixed Uint32Array.
 *
 * Guarantee: estimate(x) >= count(x) always, and estimate(x) <= count(x) + epsilon * N with
 * probability at least 1 - delta, where N is the total added, epsilon = e / width and
 * delta = e^-depth. Conservative update raises only the counters that are below the new
 * minimum, which keeps that guarantee and tightens estimates on skewed streams.
 *
 * Memory: width * depth * 4 bytes, fixed at construction (`memoryBytes`).
 */
import { assert } from '../../shared/assert.ts'
import { columnOf, type KeyDigest } from './key-digest.ts'

const counterMax = 0xffffffff

export interface CountMinDimensions {
  readonly width: number
  readonly depth: number
}

/** width = ceil(e / epsilon), depth = ceil(ln(1 / delta)). */
export function countMinDimensions(bounds: { epsilon: number; delta: number }): CountMinDimensions {
  assert(bounds.epsilon > 0 && bounds.epsilon < 1, 'epsilon must be in (0, 1)')
  assert(bounds.delta > 0 && bounds.delta < 1, 'delta must be in (0, 1)')
  return { width: Math.ceil(Math.E / bounds.epsilon), depth: Math.ceil(Math.log(1 / bounds.delta)) }
}

export class CountMinSketch {
  readonly width: number
  readonly depth: number
  /** counters[row * width + column]; every cell only grows until clear(). */
  readonly #counters: Uint32Array
  #total = 0

  constructor(dimensions: CountMinDimensions) {
    assert(Number.isInteger(dimensions.width) && dimensions.width >= 1, 'width must be >= 1')
    assert(Number.isInteger(dimensions.depth) && dimensions.depth >= 1, 'depth must be >= 1')
    this.width = dimensions.width
    this.depth = dimensions.depth
    this.#counters = new Uint32Array(dimensions.width * dimensions.depth)
  }

  /** Adds `count` occurrences; returns the key's new estimate. */
  add(digest: KeyDigest, options: { count: number }): number {
    assert(Number.isInteger(options.count) && options.count >= 1, 'count must be a positive int')
    const target = Math.min(this.estimate(digest) + options.count, counterMax)
    for (let row = 0; row < this.depth; row++) {
      const cell = row * this.width + columnOf(digest, row, this.width)
      if (this.#counters[cell]! < target) this.#counters[cell] = target
    }
    this.#total += options.count
    return target
  }

  /** An upper bound on the key's count; within epsilon * total with probability 1 - delta. */
  estimate(digest: KeyDigest): number {
    let smallest = counterMax
    for (let row = 0; row < this.depth; row++) {
      const value = this.#counters[row * this.width + columnOf(digest, row, this.width)]!
      if (value < smallest) smallest = value
    }
    return smallest
  }

  /** N: everything added since the last clear. */
  get total(): number {
    return this.#total
  }

  /** The additive error factor: e / width. */
  get epsilon(): number {
    return Math.E / this.width
  }

  /** The probability that an estimate exceeds the error bound: e^-depth. */
  get delta(): number {
    return Math.exp(-this.depth)
  }

  /** epsilon * N: the additive error that holds with probability 1 - delta. */
  errorBound(): number {
    return this.epsilon * this.#total
  }

  get memoryBytes(): number {
    return this.#counters.byteLength
  }

  clear(): void {
    this.#counters.fill(0)
    this.#total = 0
  }
}
