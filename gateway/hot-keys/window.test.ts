// Goal: the sliding window rotates buckets by time alone, reuses their memory, and reports
// the span it covers. Method: a window of 4 buckets of 250 ms over counters, driven by
// explicit nowMs values, including a clock that steps back.
import { describe, expect, it } from 'vitest'
import { SlidingWindow } from './window.ts'

function counterWindow(): { window: SlidingWindow<{ n: number }>; created: { count: number } } {
  const created = { count: 0 }
  const window = new SlidingWindow<{ n: number }>({
    windowMs: 1000,
    bucketCount: 4,
    newBucket: () => {
      created.count++
      return { n: 0 }
    },
    clearBucket: (bucket) => {
      bucket.n = 0
    },
  })
  return { window, created }
}

const sum = (buckets: Array<{ n: number }>): number => buckets.reduce((a, b) => a + b.n, 0)

describe('window', () => {
  it('window: events across buckets: live sum covers the last bucketCount epochs', () => {
    const { window, created } = counterWindow()
    for (let t = 0; t < 1000; t += 10) window.current(t).n++
    expect(sum(window.live(999))).toBe(100)
    // At 1000 ms the epoch-0 bucket (0..249) falls out of the window.
    expect(sum(window.live(1000))).toBe(75)
    window.current(1000).n++
    expect(sum(window.live(1000))).toBe(76)
    expect(sum(window.live(5000))).toBe(0)
    expect(created.count).toBe(4) // memory is fixed: buckets are reused, never re-created
  })

  it('window: covered span: grows from start-up to the full window', () => {
    const { window } = counterWindow()
    window.current(100)
    expect(window.coveredMs(100)).toBe(1)
    expect(window.coveredMs(600)).toBe(501)
    expect(window.coveredMs(10_100)).toBe(3 * 250 + 100)
  })

  it('window: time steps back: clamped, no bucket is reopened', () => {
    const { window } = counterWindow()
    window.current(900).n++
    window.current(100).n++ // treated as 900
    expect(sum(window.live(900))).toBe(2)
  })

  it('window: bad shape: assertion', () => {
    const make = (windowMs: number, bucketCount: number) =>
      new SlidingWindow({ windowMs, bucketCount, newBucket: () => 0, clearBucket: () => {} })
    expect(() => make(1000, 3)).toThrow()
    expect(() => make(1000, 0)).toThrow()
  })
})
