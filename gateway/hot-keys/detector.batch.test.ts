// Goal: counting hot keys' requests in batches changes no estimate the detector reports: a
// batch is folded before any read of the sketches, before any other key's request, into the
// bucket it was counted in, and after batchCountMax requests. Method: scripted traffic on
// explicit nowMs values with exact counts to compare; one seeded mixed stream checked against
// exact counts and the error bound while estimates are read at random moments.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { batchCountMax, defaultHotKeyDetectorOptions, HotKeyDetector } from './detector.ts'
import { smallHotSetOptions } from './detector-options.test-helper.ts'

const options = smallHotSetOptions
const byShare = { ...options, hotRatePerSecMin: Number.POSITIVE_INFINITY, hotShareMin: 0.5 }

function reads(detector: HotKeyDetector, key: string, count: number, nowMs: number): void {
  for (let i = 0; i < count; i++) detector.record(key, { kind: 'read', nowMs })
}

describe('detector batches', () => {
  it('detector batches: one hot key alone: estimate, top and total equal the exact count', () => {
    const detector = new HotKeyDetector(options)
    for (let t = 0; t < 500; t++) reads(detector, 'hot', 10, t)
    detector.record('hot', { kind: 'write', nowMs: 499 })
    expect(detector.isHot('hot')).toBe(true)
    expect(detector.estimate('hot', 499)).toEqual({ reads: 5_000, writes: 1, total: 5_001 })
    expect(detector.top(499, { limit: 1 })[0]).toMatchObject({ key: 'hot', count: 5_001 })
    expect(detector.windowTotal(499)).toBe(5_001)
    expect(detector.stats).toMatchObject({ reads: 5_000, writes: 1 })
  })

  it('detector batches: requests before a bucket roll: counted in their own bucket', () => {
    const detector = new HotKeyDetector(options)
    reads(detector, 'hot', 300, 100) // epoch 0 (buckets of 500 ms); hot after 10
    reads(detector, 'hot', 50, 600) // epoch 1: the roll folds the 290 batched into epoch 0
    expect(detector.estimate('hot', 600).total).toBe(350)
    expect(detector.estimate('hot', 1_100).total).toBe(50) // epoch 0 left the window
  })

  it('detector batches: another key is judged on counts that include the batch', () => {
    const detector = new HotKeyDetector(byShare)
    reads(detector, 'a', 1_000, 0) // hot from its 10th read; the rest batched
    // 'b' is hot only at half the window: 1,000 + 600 requests make 600 not enough.
    reads(detector, 'b', 600, 0)
    expect(detector.isHot('b')).toBe(false)
    expect(detector.windowTotal(0)).toBe(1_600)
  })

  it('detector batches: a key that should cool: out within batchCountMax of its requests', () => {
    const detector = new HotKeyDetector(byShare)
    reads(detector, 'a', 100, 0)
    reads(detector, 'b', 10_000, 0) // 'a' now has ~1% of the window: below half the threshold
    expect(detector.isHot('a')).toBe(true) // not checked since its last fold
    let requests = 0
    while (detector.isHot('a') && requests <= batchCountMax) {
      detector.record('a', { kind: 'read', nowMs: 0 })
      requests++
    }
    expect(detector.isHot('a')).toBe(false)
    expect(requests).toBeLessThanOrEqual(batchCountMax)
    expect(detector.stats.cooled).toBe(1)
  })

  it('detector batches: seeded mixed stream: never below exact, within the error bound', () => {
    const prng = new SeededPrng(7)
    const detector = new HotKeyDetector({ ...defaultHotKeyDetectorOptions, hotKeysMax: 4 })
    const exact = new Map<string, number>()
    for (let i = 0; i < 40_000; i++) {
      const nowMs = Math.floor(i / 8) // 8 per ms: 5 s, inside one 5 s bucket and the next
      const u = prng.nextFloat()
      // hot-0..hot-2 20% each, hot-3 10%, the rest over 2,000 cold keys
      const key = u < 0.7 ? `hot-${Math.floor(u * 5)}` : `cold-${prng.nextU32() % 2_000}`
      detector.record(key, { kind: 'read', nowMs })
      exact.set(key, (exact.get(key) ?? 0) + 1)
      if (prng.nextFloat() < 0.001) {
        const estimate = detector.estimate('hot-0', nowMs).total
        expect(estimate).toBeGreaterThanOrEqual(exact.get('hot-0') ?? 0)
        expect(estimate - (exact.get('hot-0') ?? 0)).toBeLessThanOrEqual(detector.errorBound(nowMs))
      }
    }
    expect(detector.windowTotal(4_999)).toBe(40_000)
    const bound = detector.errorBound(4_999)
    for (const report of detector.top(4_999, { limit: 4 })) {
      expect(report.key.startsWith('hot-')).toBe(true)
      expect(report.count).toBeGreaterThanOrEqual(exact.get(report.key)!)
      expect(report.count - exact.get(report.key)!).toBeLessThanOrEqual(bound)
    }
  })
})
