/**
 * The open arrival model: arrival i is due at start + i / rate, and is sent then whether or not
 * earlier requests have returned. Its latency is measured from that scheduled instant, not from
 * when the generator got round to sending it, so a stalled server (or a stalled generator)
 * shows up in the tail instead of silently lowering the offered load: coordinated omission
 * cannot hide it. When `maxInFlight` requests are outstanding, a due arrival is dropped and
 * counted as an error rather than queued.
 *
 * The schedule is pure (arrivalsDue, scheduledAtMs); the driver takes time and sleep as inputs.
 */
import { assert } from '../../shared/assert.ts'
import type { Recorder } from './recorder.ts'
import type { OperationResult } from './operations.ts'

export interface OpenLoopOptions {
  readonly ratePerSec: number
  readonly durationSec: number
  readonly maxInFlight: number
}

export interface OpenLoopEnv {
  /** Monotonic milliseconds, sub-millisecond resolution (performance.now). */
  nowMs(): number
  sleepMs(ms: number): Promise<void>
}

/** Total arrivals in a run. */
export function arrivalCount(options: OpenLoopOptions): number {
  return Math.max(1, Math.round(options.ratePerSec * options.durationSec))
}

/** Offset from the start (ms) at which arrival `index` is due. */
export function scheduledAtMs(index: number, ratePerSec: number): number {
  return (index * 1_000) / ratePerSec
}

/** How many arrivals are due `elapsedMs` after the start (arrival 0 is due at once). */
export function arrivalsDue(elapsedMs: number, ratePerSec: number, total: number): number {
  if (elapsedMs < 0) return 0
  return Math.min(total, Math.floor((elapsedMs * ratePerSec) / 1_000) + 1)
}

/**
 * Runs the schedule: `issue()` starts one operation. Resolves when every sent operation has
 * finished, with the run's elapsed seconds (scheduled span, or longer if the tail ran over).
 */
export async function runOpenLoop(
  options: OpenLoopOptions,
  env: OpenLoopEnv,
  recorder: Recorder,
  issue: () => Promise<OperationResult>,
): Promise<number> {
  assert(options.ratePerSec > 0 && options.durationSec > 0, 'rate and duration must be > 0')
  const total = arrivalCount(options)
  const startMs = env.nowMs()
  const pending = new Set<Promise<void>>()
  let sent = 0
  let completedAtMs = startMs
  while (sent < total) {
    const due = arrivalsDue(env.nowMs() - startMs, options.ratePerSec, total)
    for (; sent < due; sent++) {
      recorder.scheduled()
      if (pending.size >= options.maxInFlight) {
        recorder.dropped()
        continue
      }
      const scheduled = startMs + scheduledAtMs(sent, options.ratePerSec)
      const flight: Promise<void> = issue().then((result) => {
        const endMs = env.nowMs()
        completedAtMs = Math.max(completedAtMs, endMs)
        recorder.record(result, (endMs - scheduled) * 1_000)
        pending.delete(flight)
      })
      pending.add(flight)
    }
    if (sent < total) {
      const nextMs = startMs + scheduledAtMs(sent, options.ratePerSec)
      await env.sleepMs(Math.max(0, nextMs - env.nowMs()))
    }
  }
  await Promise.all(pending)
  const scheduledSpanMs = scheduledAtMs(total, options.ratePerSec)
  return Math.max(scheduledSpanMs, completedAtMs - startMs) / 1_000
}
