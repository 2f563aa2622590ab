/**
 * Draws key ranks and operation kinds for a scenario from an injected Prng, so a run's request
 * sequence is reproducible from its seed. Zipf uses the exact inverse CDF over N ranks (a
 * Float64Array of N cumulative weights and a binary search: 0.8 MB at 100k keys), the same
 * method loadtest/k6/lib/scenario.js uses.
 */
import { assert } from '../../shared/assert.ts'
import type { Prng } from '../../shared/random/prng.ts'
import type { KeyDistribution, OperationKind, OperationMix } from './scenario.ts'

export interface KeyPicker {
  /** A 0-based rank; rank 0 is the most popular key under Zipf. */
  next(): number
}

export function keyPicker(distribution: KeyDistribution, prng: Prng): KeyPicker {
  switch (distribution.kind) {
    case 'hot':
      return { next: () => 0 }
    case 'uniform':
      return { next: () => prng.intInclusive(0, distribution.keys - 1) }
    case 'zipf':
      return zipfPicker(distribution.s, distribution.keys, prng)
  }
}

/** Cumulative Zipf(s) weights over n ranks, normalised so the last is 1. */
export function zipfCdf(s: number, n: number): Float64Array {
  assert(n >= 1 && Number.isInteger(n), 'zipf needs a positive integer key count')
  const cdf = new Float64Array(n)
  let sum = 0
  for (let rank = 1; rank <= n; rank++) {
    sum += 1 / Math.pow(rank, s)
    cdf[rank - 1] = sum
  }
  for (let i = 0; i < n; i++) cdf[i] = cdf[i]! / sum
  return cdf
}

/** The first index whose cumulative weight is ≥ u (u in [0, 1)). */
export function searchCdf(cdf: Float64Array, u: number): number {
  let lo = 0
  let hi = cdf.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cdf[mid]! >= u) hi = mid
    else lo = mid + 1
  }
  return lo
}

function zipfPicker(s: number, n: number, prng: Prng): KeyPicker {
  const cdf = zipfCdf(s, n)
  return { next: () => searchCdf(cdf, prng.nextFloat()) }
}

const kinds: readonly OperationKind[] = ['read', 'write', 'multiGet', 'cas']

/** Draws operation kinds in proportion to the mix's weights. */
export function mixPicker(mix: OperationMix, prng: Prng): () => OperationKind {
  const total = mix.read + mix.write + mix.multiGet + mix.cas
  assert(total > 0, 'the operation mix has no positive weight')
  return () => {
    let u = prng.nextFloat() * total
    for (const kind of kinds) {
      u -= mix[kind]
      if (u < 0) return kind
    }
    // Rounding can leave u at exactly 0: the last kind with weight.
    return kinds.filter((kind) => mix[kind] > 0).at(-1)!
  }
}
