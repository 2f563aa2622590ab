/**
 * ManualClock + ManualTimers: virtual time for tests. Nothing fires until the test advances the
 * clock; `advance(ms)` runs every due timer in deadline order (ties in scheduling order).
 * `pendingCount()` lets a test assert it left no timer behind.
 */
import { assert } from '../../shared/assert.ts'
import type { Clock, TimerHandle, Timers } from '../../shared/time/clock.ts'

interface Scheduled {
  id: number
  dueMs: number
  intervalMs: number | null
  callback: () => void
}

export class ManualClock implements Clock, Timers {
  #nowMs: number
  #wallOffsetMs: number
  #nextId = 1
  readonly #scheduled = new Map<number, Scheduled>()

  constructor(options: { startMs?: number; wallStartMs?: number } = {}) {
    this.#nowMs = options.startMs ?? 0
    this.#wallOffsetMs = (options.wallStartMs ?? 1_700_000_000_000) - this.#nowMs
  }

  monotonicMs(): number {
    return this.#nowMs
  }

  wallMs(): number {
    return this.#nowMs + this.#wallOffsetMs
  }

  /** Jumps the wall clock (not the monotonic one), as an NTP step would. */
  jumpWallMs(deltaMs: number): void {
    this.#wallOffsetMs += deltaMs
  }

  after(delayMs: number, callback: () => void): TimerHandle {
    return this.#schedule(delayMs, null, callback)
  }

  every(intervalMs: number, callback: () => void): TimerHandle {
    assert(intervalMs > 0, 'interval must be positive')
    return this.#schedule(intervalMs, intervalMs, callback)
  }

  #schedule(delayMs: number, intervalMs: number | null, callback: () => void): TimerHandle {
    assert(delayMs >= 0, 'delay must not be negative')
    const id = this.#nextId++
    this.#scheduled.set(id, { id, dueMs: this.#nowMs + delayMs, intervalMs, callback })
    return { cancel: () => this.#scheduled.delete(id) }
  }

  /** Advances time by `ms`, firing due timers in order. */
  advance(ms: number): void {
    assert(ms >= 0, 'time only moves forward')
    const targetMs = this.#nowMs + ms
    for (;;) {
      const next = this.#nextDue(targetMs)
      if (next === undefined) break
      this.#nowMs = next.dueMs
      if (next.intervalMs === null) this.#scheduled.delete(next.id)
      else next.dueMs += next.intervalMs
      next.callback()
    }
    this.#nowMs = targetMs
  }

  #nextDue(limitMs: number): Scheduled | undefined {
    let best: Scheduled | undefined
    for (const entry of this.#scheduled.values()) {
      if (entry.dueMs > limitMs) continue
      if (best === undefined || entry.dueMs < best.dueMs) best = entry
    }
    return best
  }

  pendingCount(): number {
    return this.#scheduled.size
  }
}
