// ManualClock: timers fire only when time is advanced, in deadline order, and can be cancelled.
import { describe, expect, it } from 'vitest'
import { ManualClock } from './manual-clock.ts'

describe('manual clock', () => {
  it('manual clock: advance: fires due timers in order, not later ones', () => {
    const clock = new ManualClock()
    const fired: string[] = []
    clock.after(20, () => fired.push('b'))
    clock.after(10, () => fired.push('a'))
    clock.after(50, () => fired.push('c'))
    clock.advance(20)
    expect(fired).toEqual(['a', 'b'])
    expect(clock.monotonicMs()).toBe(20)
    expect(clock.pendingCount()).toBe(1)
  })
  it('manual clock: every: repeats until cancelled', () => {
    const clock = new ManualClock()
    let count = 0
    const handle = clock.every(10, () => count++)
    clock.advance(35)
    expect(count).toBe(3)
    handle.cancel()
    clock.advance(100)
    expect(count).toBe(3)
    expect(clock.pendingCount()).toBe(0)
  })
  it('manual clock: wall jump: leaves monotonic time alone', () => {
    const clock = new ManualClock({ wallStartMs: 1000 })
    clock.jumpWallMs(-500)
    expect(clock.wallMs()).toBe(500)
    expect(clock.monotonicMs()).toBe(0)
  })
})
