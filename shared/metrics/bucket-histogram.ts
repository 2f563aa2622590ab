/**
 * BucketHistogram: counts of observations per fixed bucket, plus their sum: what a Prometheus
 * histogram exports, and enough to estimate quantiles over any interval from two snapshots
 * (`quantileOf` over the difference of their counts). Memory is fixed by the bounds.
 *
 * Bucket i counts values v with bounds[i-1] < v <= bounds[i]; the last bucket (index
 * bounds.length) counts values above every bound (Prometheus' +Inf bucket).
 */
import { assert } from '../assert.ts'

export interface HistogramSnapshot {
  readonly counts: readonly number[]
  readonly sum: number
  readonly count: number
}

export class BucketHistogram {
  readonly bounds: readonly number[]
  readonly #counts: number[]
  #sum = 0
  #count = 0

  constructor(bounds: readonly number[]) {
    assert(bounds.length >= 1, 'a histogram needs at least one bound')
    for (let i = 1; i < bounds.length; i++) {
      assert((bounds[i] ?? 0) > (bounds[i - 1] ?? 0), 'histogram bounds must increase')
    }
    this.bounds = bounds
    this.#counts = new Array<number>(bounds.length + 1).fill(0)
  }

  observe(value: number): void {
    assert(Number.isFinite(value), 'a histogram observes finite values')
    this.#counts[bucketIndex(this.bounds, value)]! += 1
    this.#sum += value
    this.#count += 1
  }

  get count(): number {
    return this.#count
  }

  get sum(): number {
    return this.#sum
  }

  /** The counts per bucket (a copy). */
  get counts(): readonly number[] {
    return [...this.#counts]
  }

  snapshot(): HistogramSnapshot {
    return { counts: [...this.#counts], sum: this.#sum, count: this.#count }
  }
}

/** The bucket a value falls in (binary search: the first bound >= value). */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let low = 0
  let high = bounds.length
  while (low < high) {
    const middle = (low + high) >> 1
    if (value <= (bounds[middle] ?? Infinity)) high = middle
    else low = middle + 1
  }
  return low
}

/** Bounds growing by `factor` from `first` up to at least `last` (log-spaced buckets). */
export function exponentialBounds(first: number, factor: number, last: number): number[] {
  assert(first > 0 && factor > 1 && last >= first, 'exponential bounds need 0 < first <= last')
  const bounds: number[] = []
  for (let bound = first; ; bound *= factor) {
    bounds.push(Number(bound.toPrecision(4)))
    if (bound >= last) return bounds
  }
}

/** Per-bucket differences `after - before` (both from the same histogram). */
export function countsBetween(
  before: readonly number[],
  after: readonly number[],
): readonly number[] {
  assert(before.length === after.length, 'snapshots of different histograms')
  return after.map((count, i) => count - (before[i] ?? 0))
}

/**
 * The q-quantile (0 < q < 1) of the observations counted in `counts`, interpolating linearly
 * inside its bucket (the first bucket starts at 0; the +Inf bucket answers its lower bound), or
 * null when nothing was observed. Its error is at most the width of that bucket.
 */
export function quantileOf(
  bounds: readonly number[],
  counts: readonly number[],
  q: number,
): number | null {
  assert(q > 0 && q < 1, 'a quantile is in (0, 1)')
  assert(counts.length === bounds.length + 1, 'counts per bucket + Inf')
  const total = counts.reduce((sum, count) => sum + count, 0)
  if (total <= 0) return null
  const rank = q * total
  let below = 0
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0)
      const upper = bounds[i]
      if (upper === undefined) return lower
      return lower + ((upper - lower) * (rank - below)) / count
    }
    below += count
  }
  return bounds[bounds.length - 1] ?? null
}
