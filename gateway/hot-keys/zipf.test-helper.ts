/**
 * Test helper: a seeded Zipf(s) sampler over ranks 1..n (rank r has weight r^-s), by inverse
 * CDF with binary search. Deterministic from the Prng; used by the sketch accuracy tests.
 */
import { assert } from '../../shared/assert.ts'
import type { Prng } from '../../shared/random/prng.ts'

export class ZipfSampler {
  readonly #cdf: Float64Array

  constructor(options: { n: number; s: number }) {
    assert(options.n >= 1 && options.s >= 0, 'Zipf needs n >= 1 and s >= 0')
    this.#cdf = new Float64Array(options.n)
    let sum = 0
    for (let rank = 1; rank <= options.n; rank++) {
      sum += rank ** -options.s
      this.#cdf[rank - 1] = sum
    }
    for (let i = 0; i < options.n; i++) this.#cdf[i] = this.#cdf[i]! / sum
  }

  /** A rank in [1, n]; rank 1 is the most frequent. */
  sample(prng: Prng): number {
    const u = prng.nextFloat()
    let low = 0
    let high = this.#cdf.length - 1
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.#cdf[middle]! > u) high = middle
      else low = middle + 1
    }
    return low + 1
  }
}

/** A stream of `length` keys `key-<rank>` drawn from Zipf(s) over n ranks, and exact counts. */
export function zipfStream(
  prng: Prng,
  options: { n: number; s: number; length: number },
): { keys: string[]; exact: Map<string, number> } {
  const sampler = new ZipfSampler(options)
  const keys: string[] = []
  const exact = new Map<string, number>()
  for (let i = 0; i < options.length; i++) {
    const key = `key-${sampler.sample(prng)}`
    keys.push(key)
    exact.set(key, (exact.get(key) ?? 0) + 1)
  }
  return { keys, exact }
}

/** The true top-k keys of exact counts (ties broken by key). */
export function exactTop(exact: Map<string, number>, k: number): string[] {
  return [...exact.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([key]) => key)
}
