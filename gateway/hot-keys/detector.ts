/**
 * HotKeyDetector: every request's key -> Count-Min sketches (reads and writes apart) and a
 * Space-Saving top-k, per bucket of a sliding window -> the hot set. Pure: time is an argument.
 *
 * Estimates. In each live bucket a key's count is bounded above by the Count-Min estimate
 * (reads + writes) and by Space-Saving (its counter if tracked, else the smallest counter);
 * the detector takes the smaller, sums over buckets, and so never underestimates. The error
 * reported beside every estimate is the Count-Min guarantee epsilon * N over the window: the
 * true count is within it with probability >= 1 - delta (delta = e^-depth).
 *
 * Hot rule. A key is hot when its window estimate reaches max(hotCountMin, min(rate threshold
 * * covered seconds, share threshold * window total)), i.e. rate OR share. It leaves the hot
 * set when it falls below coolRatio times that (hysteresis), checked on its own requests and
 * on every bucket rotation. The hot set keeps when each key first became hot; it is bounded by
 * hotKeysMax (a key that would overflow it is counted in stats and not listed).
 *
 * Batches. A request for a key already in the hot set is counted in a per-key batch, not in
 * the sketches: on a hot key the sketch updates and the estimate behind the hot rule were most
 * of a cache hit's detector cost. A batch is folded into the bucket it was counted in (with
 * one weighted update per key: the same sums, so the same bounds) before anything reads the
 * sketches (estimate, top, windowTotal, sweep), before any other key's request, when the bucket
 * rotates, and after batchCountMax requests; each folded key's hot rule is checked then. So a
 * hot key's cool-down is checked at least every batchCountMax of its requests instead of on each.
 *
 * Memory is fixed by the options and checked against sketchBytesMax at construction
 * (`fixedMemoryBytes`); `memoryBytes` adds the key strings held by the top-k and the hot set.
 */
import { assert } from '../../shared/assert.ts'
import { GenerationalMemo } from '../../shared/collections/generational-memo.ts'
import { limits } from '../../shared/limits.ts'
import { CountMinSketch } from './count-min.ts'
import { digestKey, type KeyDigest } from './key-digest.ts'
import { SpaceSaving, entryOverheadBytes } from './space-saving.ts'
import { SlidingWindow } from './window.ts'

export type AccessKind = 'read' | 'write'

export interface HotKeyDetectorOptions {
  readonly windowMs: number
  readonly bucketCount: number
  readonly sketchWidth: number
  readonly sketchDepth: number
  readonly topKCapacity: number
  /** Hot at or above this many requests per second (Infinity: rate rule off). */
  readonly hotRatePerSecMin: number
  /** Hot at or above this share of all requests in the window (Infinity: share rule off). */
  readonly hotShareMin: number
  /** Never hot below this many requests in the window (noise floor at start-up). */
  readonly hotCountMin: number
  /** Leaves the hot set below coolRatio * threshold; in (0, 1]. */
  readonly coolRatio: number
  readonly hotKeysMax: number
  readonly sketchBytesMax: number
  readonly seed: bigint
}

/**
 * Defaults sized by detector.test.ts: top-10 recall 1.0 on Zipf(0.9..1.2) streams, with
 * 34 KiB of fixed arrays and ~55 KiB in all for short keys (keys are held by the top-k slots).
 * Two 5 s buckets: the window covers the last 5 to 10 s.
 */
/**
 * Keys whose digest the detector keeps (over two generations), and the longest key it keeps one
 * for: with the key (UTF-16) and the map entry, under ~700 bytes each, so under ~12 MB however
 * keys are chosen.
 */
export const digestsMax = 16_384
export const digestKeyCharsMax = 256

/**
 * Requests of hot keys counted in a batch before it is folded into the sketches: the longest a
 * hot key's cool-down check waits (a few ms at the gateway's hot-key rates), and small beside
 * hotCountMin * 10, so the hot rule sees the same counts within a fraction of its threshold.
 */
export const batchCountMax = 1_024

export const defaultHotKeyDetectorOptions: HotKeyDetectorOptions = {
  windowMs: 10_000,
  bucketCount: 2,
  sketchWidth: 512,
  sketchDepth: 3,
  topKCapacity: 160,
  hotRatePerSecMin: 1_000,
  hotShareMin: 0.01,
  hotCountMin: 100,
  coolRatio: 0.5,
  hotKeysMax: limits.hotKeysTrackedMax,
  sketchBytesMax: limits.hotKeySketchBytesMax,
  seed: 0x5eedn,
}

export interface KeyEstimate {
  readonly reads: number
  readonly writes: number
  readonly total: number
}

export interface HotKeyReport {
  readonly key: string
  readonly count: number
  readonly ratePerSec: number
  readonly readsPerSec: number
  readonly writesPerSec: number
  /** epsilon * N over the window, as a rate: the true rate is within it w.p. 1 - delta. */
  readonly errorPerSec: number
  readonly share: number
  readonly hot: boolean
  readonly firstHotAtMs: number | null
}

interface Bucket {
  readonly reads: CountMinSketch
  readonly writes: CountMinSketch
  readonly top: SpaceSaving
}

/** A hot key's requests counted since the last fold (see Batches in the file comment). */
class BatchedCounts {
  reads = 0
  writes = 0
  constructor(readonly digest: KeyDigest) {}
}

export class HotKeyDetector {
  readonly stats = { reads: 0, writes: 0, becameHot: 0, cooled: 0, hotSetFull: 0 }
  readonly #options: HotKeyDetectorOptions
  readonly #window: SlidingWindow<Bucket>
  /** key -> when it first became hot (this time round). Invariant: size <= hotKeysMax. */
  readonly #hot = new Map<string, number>()
  #lastBucket: Bucket | null = null
  /** The epoch of #lastBucket: batched requests belong to it. */
  #lastEpoch = -1
  /** Hot keys' requests not yet in #lastBucket's sketches. Invariant: size <= hotKeysMax. */
  readonly #batch = new Map<string, BatchedCounts>()
  #batched = 0
  #batchNowMs = 0
  /**
   * key -> its digest: hashing the key (a 64-bit xxhash in BigInt) was the largest part of a
   * record() on a hot key. Bounded by digestsMax over two generations, so keys still being
   * requested keep theirs. Not part of the sketches' fixed memory (a cache of derived values;
   * emptying it changes no count).
   */
  readonly #digests: GenerationalMemo<string, KeyDigest>

  constructor(options: HotKeyDetectorOptions) {
    assert(options.coolRatio > 0 && options.coolRatio <= 1, 'coolRatio must be in (0, 1]')
    assert(options.hotKeysMax >= 1, 'hotKeysMax must be at least 1')
    this.#options = options
    this.#digests = new GenerationalMemo(digestsMax / 2, (key) => digestKey(key, options.seed))
    const dimensions = { width: options.sketchWidth, depth: options.sketchDepth }
    this.#window = new SlidingWindow<Bucket>({
      windowMs: options.windowMs,
      bucketCount: options.bucketCount,
      newBucket: () => ({
        reads: new CountMinSketch(dimensions),
        writes: new CountMinSketch(dimensions),
        top: new SpaceSaving({ capacity: options.topKCapacity }),
      }),
      clearBucket: (bucket) => {
        bucket.reads.clear()
        bucket.writes.clear()
        bucket.top.clear()
      },
    })
    assert(this.fixedMemoryBytes <= options.sketchBytesMax, 'sketches exceed sketchBytesMax')
  }

  /** Counts one request; returns whether the key is hot afterwards. */
  record(key: string, options: { kind: AccessKind; nowMs: number }): boolean {
    if (options.kind === 'read') this.stats.reads++
    else this.stats.writes++
    if (this.#batchable(key, options.nowMs)) {
      let counts = this.#batch.get(key)
      if (counts === undefined) {
        counts = new BatchedCounts(this.#digestOf(key))
        this.#batch.set(key, counts)
      }
      if (options.kind === 'read') counts.reads++
      else counts.writes++
      this.#batched++
      if (options.nowMs > this.#batchNowMs) this.#batchNowMs = options.nowMs
      return true
    }
    this.#fold()
    const digest = this.#digestOf(key)
    const bucket = this.#window.current(options.nowMs)
    this.#lastEpoch = this.#window.epochAt(options.nowMs)
    if (bucket !== this.#lastBucket) {
      this.#lastBucket = bucket
      this.sweep(options.nowMs)
    }
    const sketch = options.kind === 'read' ? bucket.reads : bucket.writes
    sketch.add(digest, { count: 1 })
    bucket.top.offer(key, { count: 1 })
    this.#update(key, this.#estimateDigest(key, digest, options.nowMs).total, options.nowMs)
    return this.#hot.has(key)
  }

  /** A hot key's request in the bucket of the batch, with room left in the batch. */
  #batchable(key: string, nowMs: number): boolean {
    if (this.#batched >= batchCountMax || !this.#hot.has(key)) return false
    return this.#window.epochAt(nowMs) === this.#lastEpoch
  }

  /** Folds the batch into its bucket (one weighted update per key), then checks its keys. */
  #fold(): void {
    if (this.#batched === 0) return
    const bucket = this.#lastBucket
    assert(bucket !== null, 'a batch belongs to the bucket of the last request')
    this.#batched = 0
    for (const [key, counts] of this.#batch) {
      if (counts.reads > 0) bucket.reads.add(counts.digest, { count: counts.reads })
      if (counts.writes > 0) bucket.writes.add(counts.digest, { count: counts.writes })
      bucket.top.offer(key, { count: counts.reads + counts.writes })
    }
    const nowMs = this.#batchNowMs
    for (const [key, counts] of this.#batch) {
      this.#update(key, this.#estimateDigest(key, counts.digest, nowMs).total, nowMs)
    }
    this.#batch.clear()
  }

  #digestOf(key: string): KeyDigest {
    if (key.length > digestKeyCharsMax) return digestKey(key, this.#options.seed)
    return this.#digests.get(key)
  }

  /** Whether `key` is in the hot set (as of its last request or the last rotation). */
  isHot(key: string): boolean {
    return this.#hot.has(key)
  }

  /** An upper bound on the key's requests in the window (see the file comment). */
  estimate(key: string, nowMs: number): KeyEstimate {
    this.#fold()
    return this.#estimateDigest(key, digestKey(key, this.#options.seed), nowMs)
  }

  /** Requests counted in the window (N). */
  windowTotal(nowMs: number): number {
    this.#fold()
    return this.#windowTotal(nowMs)
  }

  #windowTotal(nowMs: number): number {
    let total = 0
    for (const bucket of this.#window.live(nowMs)) total += bucket.reads.total + bucket.writes.total
    return total
  }

  /** epsilon * N over the window: the Count-Min additive error bound. */
  errorBound(nowMs: number): number {
    return (Math.E / this.#options.sketchWidth) * this.windowTotal(nowMs)
  }

  /** Drops keys from the hot set that have cooled below coolRatio * threshold. */
  sweep(nowMs: number): void {
    this.#fold()
    for (const key of [...this.#hot.keys()])
      this.#update(key, this.estimate(key, nowMs).total, nowMs)
  }

  /** The top keys of the window by estimated count, with rates and error bounds. */
  top(nowMs: number, options: { limit: number }): HotKeyReport[] {
    this.#fold()
    const candidates = new Set<string>(this.#hot.keys())
    for (const bucket of this.#window.live(nowMs)) {
      for (const entry of bucket.top.top(bucket.top.capacity)) candidates.add(entry.key)
    }
    const seconds = this.#window.coveredMs(nowMs) / 1000
    const total = this.windowTotal(nowMs)
    const errorPerSec = this.errorBound(nowMs) / seconds
    const reports = [...candidates].map((key): HotKeyReport => {
      const estimate = this.estimate(key, nowMs)
      return {
        key,
        count: estimate.total,
        ratePerSec: estimate.total / seconds,
        readsPerSec: estimate.reads / seconds,
        writesPerSec: estimate.writes / seconds,
        errorPerSec,
        share: total === 0 ? 0 : estimate.total / total,
        hot: this.#hot.has(key),
        firstHotAtMs: this.#hot.get(key) ?? null,
      }
    })
    reports.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))
    return reports.slice(0, options.limit)
  }

  /** Bytes of the typed arrays, fixed by the options. */
  get fixedMemoryBytes(): number {
    const { sketchWidth, sketchDepth, topKCapacity, bucketCount } = this.#options
    const sketches = 2 * sketchWidth * sketchDepth * 4
    const topK = topKCapacity * (8 + 8 + 4 + 4 + 8)
    return bucketCount * (sketches + topK)
  }

  /** Fixed arrays plus the key strings held by top-k slots and the hot set (estimated). */
  get memoryBytes(): number {
    let bytes = 0
    for (const bucket of this.#window.all()) {
      bytes += bucket.reads.memoryBytes + bucket.writes.memoryBytes + bucket.top.memoryBytes
    }
    for (const key of this.#hot.keys()) bytes += 2 * key.length + entryOverheadBytes + 8
    return Math.max(bytes, this.fixedMemoryBytes)
  }

  #estimateDigest(key: string, digest: KeyDigest, nowMs: number): KeyEstimate {
    let reads = 0
    let writes = 0
    let total = 0
    for (const bucket of this.#window.live(nowMs)) {
      const readCount = bucket.reads.estimate(digest)
      const writeCount = bucket.writes.estimate(digest)
      const tracked = bucket.top.get(key)
      const topBound = tracked === null ? bucket.top.minCount() : tracked.count
      const bucketTotal = Math.min(readCount + writeCount, topBound)
      reads += Math.min(readCount, bucketTotal)
      writes += Math.min(writeCount, bucketTotal)
      total += bucketTotal
    }
    return { reads, writes, total }
  }

  #threshold(nowMs: number): number {
    const { hotRatePerSecMin, hotShareMin, hotCountMin } = this.#options
    const byRate = hotRatePerSecMin * (this.#window.coveredMs(nowMs) / 1000)
    const byShare = hotShareMin * this.#windowTotal(nowMs)
    return Math.max(hotCountMin, Math.min(byRate, byShare))
  }

  #update(key: string, total: number, nowMs: number): void {
    const threshold = this.#threshold(nowMs)
    if (this.#hot.has(key)) {
      if (total >= this.#options.coolRatio * threshold) return
      this.#hot.delete(key)
      this.stats.cooled++
      return
    }
    if (total < threshold) return
    if (this.#hot.size >= this.#options.hotKeysMax) {
      this.stats.hotSetFull++
      return
    }
    this.#hot.set(key, nowMs)
    this.stats.becameHot++
  }
}
