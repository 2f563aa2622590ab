// Goal: the HLC is monotonic, tracks wall time, orders causally across nodes, and its single
// integer encoding orders like the pair. Method: scripted cases for each rule, and a fast-check
// property over random event sequences (local events, sends, receives) on three clocks whose
// wall times jump back and forth.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../errors.ts'
import { decodeHlc, encodeHlc, hlcLogicalMax, HybridLogicalClock } from './hlc.ts'

const options = { remoteAheadMsMax: 60_000 }

describe('hlc', () => {
  it('hlc: encoding: known answers and round trip', () => {
    expect(encodeHlc({ wallMs: 1, logical: 0 })).toBe(2048)
    expect(encodeHlc({ wallMs: 1_700_000_000_000, logical: 5 })).toBe(3_481_600_000_000_005)
    expect(decodeHlc(3_481_600_000_000_005)).toEqual({ wallMs: 1_700_000_000_000, logical: 5 })
  })

  it('hlc: wall time advances: logical resets to 0', () => {
    const clock = new HybridLogicalClock(options)
    expect(decodeHlc(clock.now(1000))).toEqual({ wallMs: 1000, logical: 0 })
    expect(decodeHlc(clock.now(1000))).toEqual({ wallMs: 1000, logical: 1 })
    expect(decodeHlc(clock.now(1001))).toEqual({ wallMs: 1001, logical: 0 })
  })

  it('hlc: wall clock steps back: timestamps keep rising', () => {
    const clock = new HybridLogicalClock(options)
    const first = clock.now(5000)
    const second = clock.now(4000)
    expect(second).toBeGreaterThan(first)
    expect(decodeHlc(second)).toEqual({ wallMs: 5000, logical: 1 })
  })

  it('hlc: logical overflows in one ms: borrows the next ms', () => {
    const clock = new HybridLogicalClock(options)
    let last = clock.now(10)
    for (let i = 0; i < hlcLogicalMax; i++) last = clock.now(10)
    expect(decodeHlc(last)).toEqual({ wallMs: 10, logical: hlcLogicalMax })
    const next = clock.now(10)
    expect(decodeHlc(next)).toEqual({ wallMs: 11, logical: 0 })
  })

  it('hlc: receive a remote ahead: later local timestamps are above it', () => {
    const clock = new HybridLogicalClock(options)
    clock.now(1000)
    const remote = encodeHlc({ wallMs: 1500, logical: 7 })
    const merged = clock.receive(remote, 1001)
    expect(decodeHlc(merged)).toEqual({ wallMs: 1500, logical: 8 })
    expect(clock.now(1002)).toBeGreaterThan(remote)
  })

  it('hlc: remote too far ahead or malformed: typed bad-request, clock unchanged', () => {
    const clock = new HybridLogicalClock(options)
    const before = clock.now(1000)
    for (const remote of [encodeHlc({ wallMs: 61_001, logical: 0 }), -1, 1.5, Number.NaN]) {
      let caught: unknown = null
      try {
        clock.receive(remote, 1000)
      } catch (error) {
        caught = error
      }
      expect(isShoalError(caught, 'bad-request')).toBe(true)
    }
    expect(clock.last).toBe(before)
  })

  it('hlc: random runs on three nodes: monotonic, causal, close to wall time', () => {
    const eventArb = fc.record({
      node: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom('local', 'send', 'receive'),
      wallStepMs: fc.integer({ min: -50, max: 50 }),
    })
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 200 }), (events) => {
        const clocks = [0, 1, 2].map(() => new HybridLogicalClock(options))
        const walls = [10_000, 10_000, 10_000]
        const lastIssued = [0, 0, 0]
        const inbox: number[][] = [[], [], []]
        let maxWallSeen = 10_000
        for (const event of events) {
          walls[event.node] = Math.max(0, walls[event.node]! + event.wallStepMs)
          maxWallSeen = Math.max(maxWallSeen, walls[event.node]!)
          const clock = clocks[event.node]!
          const wall = walls[event.node]!
          let issued: number
          const pending = inbox[event.node]!
          if (event.kind === 'receive' && pending.length > 0) {
            const message = pending.pop()!
            issued = clock.receive(message, wall)
            expect(issued).toBeGreaterThan(message) // causality
          } else {
            issued = clock.now(wall)
            if (event.kind === 'send') inbox[(event.node + 1) % 3]!.push(issued)
          }
          expect(issued).toBeGreaterThan(lastIssued[event.node]!) // monotonic
          lastIssued[event.node] = issued
          // Bounded drift: never ahead of the highest wall time any node has seen, plus the
          // borrowed milliseconds (at most one per 2048 events).
          expect(decodeHlc(issued).wallMs).toBeLessThanOrEqual(maxWallSeen + 1)
        }
      }),
      { numRuns: 300 },
    )
  })
})
