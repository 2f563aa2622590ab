// Goal: the detector finds the heaviest keys within 64 KiB, never underestimates, counts
// reads and writes apart, and moves keys in and out of the hot set by its thresholds. Method:
// seeded Zipf streams (s = 0.9, 1.0, 1.2) against exact counts for recall and bounds; then
// scripted traffic on explicit nowMs values for the hot rule and cool-down.
import { describe, expect, it } from 'vitest'
import { KiB } from '../../shared/limits.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { defaultHotKeyDetectorOptions, HotKeyDetector } from './detector.ts'
import { smallHotSetOptions } from './detector-options.test-helper.ts'
import { exactTop, zipfStream } from './zipf.test-helper.ts'

describe('detector accuracy', () => {
  for (const s of [0.9, 1.0, 1.2]) {
    it(`detector: zipf ${s} over 100k keys: top-10 recall >= 0.95 within 64 KiB`, () => {
      const recalls: number[] = []
      let memoryBytesMax = 0
      for (const seed of [1, 2]) {
        const prng = new SeededPrng(seed)
        const { keys, exact } = zipfStream(prng, { n: 100_000, s, length: 100_000 })
        const detector = new HotKeyDetector(defaultHotKeyDetectorOptions)
        // 100k requests over 10 s: 10 per ms.
        keys.forEach((key, i) => detector.record(key, { kind: 'read', nowMs: Math.floor(i / 10) }))
        const nowMs = 9_999
        const reported = detector.top(nowMs, { limit: 10 })
        const truth = exactTop(exact, 10)
        const found = new Set(reported.map((entry) => entry.key))
        recalls.push(truth.filter((key) => found.has(key)).length / truth.length)
        memoryBytesMax = Math.max(memoryBytesMax, detector.memoryBytes)
        // Never an underestimate, and within the reported error bound for the top keys.
        const bound = detector.errorBound(nowMs)
        for (const entry of reported) {
          const trueCount = exact.get(entry.key) ?? 0
          expect(entry.count).toBeGreaterThanOrEqual(trueCount)
          expect(entry.count - trueCount).toBeLessThanOrEqual(bound)
        }
      }
      const recall = recalls.reduce((a, b) => a + b, 0) / recalls.length
      console.log(
        `detector zipf ${s}: top-10 recall ${recalls.join(', ')}; ` +
          `memory ${memoryBytesMax} bytes (${(memoryBytesMax / KiB).toFixed(1)} KiB)`,
      )
      expect(recall).toBeGreaterThanOrEqual(0.95)
      expect(memoryBytesMax).toBeLessThanOrEqual(64 * KiB)
    })
  }
})

const options = smallHotSetOptions

describe('detector hot rule', () => {
  it('detector: key above the rate threshold: hot, with first-hot-at', () => {
    const detector = new HotKeyDetector(options)
    let becameHotAt: number | null = null
    for (let t = 0; t < 1000; t++) {
      const hot = detector.record('hot', { kind: 'read', nowMs: t })
      if (hot && becameHotAt === null) becameHotAt = t
      if (t % 50 === 0) detector.record('cold', { kind: 'read', nowMs: t })
    }
    // 1 request per ms is 1000/s; the threshold is 100/s over the covered span (>= 10 reqs).
    expect(becameHotAt).not.toBeNull()
    expect(becameHotAt!).toBeLessThan(20)
    expect(detector.isHot('hot')).toBe(true)
    expect(detector.isHot('cold')).toBe(false)
    const [top] = detector.top(999, { limit: 1 })
    expect(top).toMatchObject({ key: 'hot', hot: true, firstHotAtMs: becameHotAt })
    expect(top!.ratePerSec).toBeGreaterThanOrEqual(1000)
    expect(top!.errorPerSec).toBeCloseTo(((Math.E / 512) * 1020) / 1, 0)
  })

  it('detector: reads and writes: counted apart, estimates never below exact', () => {
    const detector = new HotKeyDetector(options)
    for (let t = 0; t < 300; t++) {
      detector.record('k', { kind: 'read', nowMs: t })
      if (t % 3 === 0) detector.record('k', { kind: 'write', nowMs: t })
    }
    const estimate = detector.estimate('k', 299)
    expect(estimate.reads).toBeGreaterThanOrEqual(300)
    expect(estimate.writes).toBeGreaterThanOrEqual(100)
    expect(estimate.writes).toBeLessThan(estimate.reads)
    expect(estimate.total).toBeGreaterThanOrEqual(400)
    const [top] = detector.top(299, { limit: 1 })
    expect(top!.writesPerSec).toBeLessThan(top!.readsPerSec)
  })

  it('detector: traffic stops: the key cools and leaves the hot set', () => {
    const detector = new HotKeyDetector(options)
    for (let t = 0; t < 500; t++) detector.record('burst', { kind: 'read', nowMs: t })
    expect(detector.isHot('burst')).toBe(true)
    // Two buckets later the burst is out of the window; any request rotates and sweeps.
    detector.record('other', { kind: 'read', nowMs: 1600 })
    expect(detector.isHot('burst')).toBe(false)
    expect(detector.stats.cooled).toBe(1)
    detector.sweep(1600)
    expect(detector.top(1600, { limit: 5 }).find((r) => r.key === 'burst')).toBeUndefined()
  })

  it('detector: more hot keys than hotKeysMax: set stays bounded, overflow counted', () => {
    const detector = new HotKeyDetector(options)
    for (let t = 0; t < 200; t++) {
      for (const key of ['a', 'b', 'c', 'd', 'e']) detector.record(key, { kind: 'read', nowMs: t })
    }
    const hot = ['a', 'b', 'c', 'd', 'e'].filter((key) => detector.isHot(key))
    expect(hot.length).toBe(3)
    expect(detector.stats.hotSetFull).toBeGreaterThan(0)
  })

  it('detector: share rule: a key with 1% of traffic is hot without a rate threshold', () => {
    const detector = new HotKeyDetector({
      ...options,
      hotRatePerSecMin: Number.POSITIVE_INFINITY,
      hotShareMin: 0.2,
    })
    for (let t = 0; t < 500; t++) {
      detector.record('big', { kind: 'read', nowMs: t })
      for (let i = 0; i < 3; i++) detector.record(`small-${t}-${i}`, { kind: 'read', nowMs: t })
    }
    expect(detector.isHot('big')).toBe(true)
    expect(detector.isHot('small-1-1')).toBe(false)
  })

  it('detector: sketches larger than sketchBytesMax: assertion at construction', () => {
    expect(() => new HotKeyDetector({ ...options, sketchWidth: 1 << 16 })).toThrow()
  })
})
