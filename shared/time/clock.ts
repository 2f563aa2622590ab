/**
 * Clock and Timers: the only way code reads time or schedules work (STYLE.md R2). Cores take
 * `nowMs` or ticks as arguments; shells take a Clock and Timers in their constructors.
 */

export interface Clock {
  /** Monotonic milliseconds, for durations and deadlines. */
  monotonicMs(): number
  /** Wall-clock milliseconds since the Unix epoch, for HLC timestamps and TTLs. */
  wallMs(): number
}

export interface TimerHandle {
  cancel(): void
}

export interface Timers {
  after(delayMs: number, callback: () => void): TimerHandle
  every(intervalMs: number, callback: () => void): TimerHandle
}

export class SystemClock implements Clock {
  monotonicMs(): number {
    return performance.now()
  }
  wallMs(): number {
    return Date.now()
  }
}

export class SystemTimers implements Timers {
  after(delayMs: number, callback: () => void): TimerHandle {
    const handle = setTimeout(callback, delayMs)
    return { cancel: () => clearTimeout(handle) }
  }
  every(intervalMs: number, callback: () => void): TimerHandle {
    const handle = setInterval(callback, intervalMs)
    return { cancel: () => clearInterval(handle) }
  }
}
