// Goal: the token bucket admits a burst, then exactly `ratePerSec` per second, tells the wait
// exactly, and survives clock jumps (no negative tokens, no refill past the burst).
// Method: a pure object driven with explicit nowMs values; fast-check over random schedules.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TokenBucket } from './token-bucket.ts'

describe('token-bucket', () => {
  it('token-bucket: burst then refusal with the exact wait, then refill on time', () => {
    const bucket = new TokenBucket({ ratePerSec: 10, burst: 3, nowMs: 0 })
    for (let i = 0; i < 3; i++) expect(bucket.take(0)).toEqual({ ok: true })
    expect(bucket.take(0)).toEqual({ ok: false, retryAfterMs: 100 })
    expect(bucket.take(99).ok).toBe(false)
    expect(bucket.take(100)).toEqual({ ok: true })
    expect(bucket.take(100).ok).toBe(false)
  })

  it('token-bucket: clock jumps: back refills nothing, forward only to burst', () => {
    const bucket = new TokenBucket({ ratePerSec: 1, burst: 2, nowMs: 1_000 })
    bucket.take(1_000)
    bucket.take(1_000)
    expect(bucket.take(500).ok).toBe(false)
    expect(bucket.tokens(500)).toBe(0)
    expect(bucket.tokens(1_000_000_000)).toBe(2)
  })

  it('token-bucket: over any schedule, admitted <= burst + rate * elapsed, tokens in range', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: -50, max: 500 }), { maxLength: 200 }),
        (ratePerSec, burst, steps) => {
          const bucket = new TokenBucket({ ratePerSec, burst, nowMs: 0 })
          let nowMs = 0
          let maxMs = 0
          let admitted = 0
          for (const step of steps) {
            nowMs = Math.max(0, nowMs + step)
            maxMs = Math.max(maxMs, nowMs)
            if (bucket.take(nowMs).ok) admitted += 1
            const tokens = bucket.tokens(nowMs)
            expect(tokens).toBeGreaterThanOrEqual(0)
            expect(tokens).toBeLessThanOrEqual(burst)
          }
          expect(admitted).toBeLessThanOrEqual(burst + Math.ceil((ratePerSec * maxMs) / 1000) + 1)
        },
      ),
      { numRuns: 200 },
    )
  })
})
