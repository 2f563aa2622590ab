// Goal: pin the reconnect backoff's range and growth, and that it is a function of the seed.
// Method: many draws from seeded Prngs checked against the stated bounds.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../random/prng.ts'
import { reconnectDelayMs } from './backoff.ts'

const options = { backoffMsMin: 20, backoffMsMax: 2000 }

describe('backoff', () => {
  it('backoff: attempt n: between half and all of min * 2^(n-1), capped at max', () => {
    const prng = new SeededPrng(1)
    for (let attempt = 1; attempt <= 40; attempt++) {
      const ceilingMs = Math.min(2000, 20 * 2 ** (attempt - 1))
      for (let draw = 0; draw < 50; draw++) {
        const delayMs = reconnectDelayMs(attempt, prng, options)
        expect(delayMs).toBeGreaterThanOrEqual(ceilingMs / 2)
        expect(delayMs).toBeLessThanOrEqual(ceilingMs)
      }
    }
  })

  it('backoff: same seed: same delays; different seeds: jittered apart', () => {
    const draw = (seed: number): number[] => {
      const prng = new SeededPrng(seed)
      return [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => reconnectDelayMs(attempt, prng, options))
    }
    expect(draw(5)).toEqual(draw(5))
    expect(draw(5)).not.toEqual(draw(6))
  })

  it('backoff: attempt 0 or min above max: assertion', () => {
    const prng = new SeededPrng(1)
    expect(() => reconnectDelayMs(0, prng, options)).toThrow(/attempt/)
    expect(() => reconnectDelayMs(1, prng, { backoffMsMin: 5, backoffMsMax: 4 })).toThrow(/above/)
  })
})
