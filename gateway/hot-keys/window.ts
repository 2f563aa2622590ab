/**
 * SlidingWindow: a ring of `bucketCount` buckets of `windowMs / bucketCount` each; time is an
 * argument. Bucket b holds the events of epoch floor(nowMs / bucketMs); the window is the
 * current (partial) epoch and the bucketCount - 1 before it, so it slides in steps of one
 * bucket and covers between windowMs - bucketMs and windowMs of history. A bucket is cleared
 * and reused when its slot comes round again, so memory is fixed (no allocation per epoch).
 *
 * Time that goes backwards (it should not: callers pass monotonic ms) is clamped to the
 * latest time seen, so a bucket is never reopened.
 */
import { assert } from '../../shared/assert.ts'

export interface WindowOptions {
  readonly windowMs: number
  readonly bucketCount: number
}

interface Slot<B> {
  epoch: number
  readonly value: B
}

export class SlidingWindow<B> {
  readonly windowMs: number
  readonly bucketMs: number
  readonly bucketCount: number
  readonly #slots: Array<Slot<B>>
  readonly #clearBucket: (bucket: B) => void
  #latestMs = -Infinity
  #firstMs: number | null = null
  /** live() for #liveEpoch; dropped whenever a slot is reused. Saves an array per request. */
  #liveCache: B[] | null = null
  #liveEpoch = -1

  constructor(options: WindowOptions & { newBucket: () => B; clearBucket: (bucket: B) => void }) {
    assert(Number.isInteger(options.bucketCount) && options.bucketCount >= 1, 'bucketCount >= 1')
    assert(options.windowMs % options.bucketCount === 0, 'windowMs must divide into buckets')
    assert(options.windowMs / options.bucketCount >= 1, 'a bucket spans at least 1 ms')
    this.windowMs = options.windowMs
    this.bucketCount = options.bucketCount
    this.bucketMs = options.windowMs / options.bucketCount
    this.#clearBucket = options.clearBucket
    this.#slots = Array.from({ length: options.bucketCount }, () => ({
      epoch: -1,
      value: options.newBucket(),
    }))
  }

  /** The bucket for `nowMs`, cleared first if its slot held an older epoch. */
  current(nowMs: number): B {
    const epoch = this.#epochOf(nowMs)
    const slot = this.#slots[epoch % this.bucketCount]!
    if (slot.epoch !== epoch) {
      assert(slot.epoch < epoch, 'a slot never moves back in time')
      this.#clearBucket(slot.value)
      slot.epoch = epoch
      this.#liveCache = null
    }
    return slot.value
  }

  /**
   * The buckets inside the window at `nowMs` (stale slots are skipped, not cleared). The array
   * is shared and valid until the next call; callers must not keep or change it.
   */
  live(nowMs: number): B[] {
    const epoch = this.#epochOf(nowMs)
    if (this.#liveCache !== null && this.#liveEpoch === epoch) return this.#liveCache
    this.#liveCache = this.#slots
      .filter((slot) => slot.epoch >= 0 && slot.epoch > epoch - this.bucketCount)
      .map((slot) => slot.value)
    this.#liveEpoch = epoch
    return this.#liveCache
  }

  /** Every bucket, live or stale (for memory accounting). */
  all(): B[] {
    return this.#slots.map((slot) => slot.value)
  }

  /** The span of history the live buckets cover, in ms (at least 1). */
  coveredMs(nowMs: number): number {
    const epoch = this.#epochOf(nowMs)
    const clamped = Math.max(nowMs, this.#latestMs)
    const full = (this.bucketCount - 1) * this.bucketMs + (clamped - epoch * this.bucketMs)
    const sinceFirst = this.#firstMs === null ? 0 : clamped - this.#firstMs
    return Math.max(1, Math.min(full, sinceFirst + 1))
  }

  /** The epoch `current(nowMs)` would return, without recording the time (pure). */
  epochAt(nowMs: number): number {
    return Math.floor(Math.max(this.#latestMs, nowMs) / this.bucketMs)
  }

  #epochOf(nowMs: number): number {
    assert(Number.isFinite(nowMs) && nowMs >= 0, 'nowMs must be a finite non-negative number')
    this.#firstMs ??= nowMs
    this.#latestMs = Math.max(this.#latestMs, nowMs)
    return Math.floor(this.#latestMs / this.bucketMs)
  }
}
