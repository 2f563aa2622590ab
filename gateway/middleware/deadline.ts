/**
 * Deadline middleware: every request gets an AbortSignal (context variable `signal`) that aborts
 * at its deadline with ShoalError('deadline-exceeded') or when the client goes away. The deadline
 * is `X-Shoal-Timeout-Ms` (a positive integer up to the configured maximum) or the default.
 *
 * The middleware does not trust downstream code to honour the signal: it races the rest of the
 * chain against the deadline and answers 504 itself; the late handler's result is dropped.
 * Time comes from the injected Timers, so tests fire the deadline by hand.
 */
import type { MiddlewareHandler } from 'hono'
import { ShoalError } from '../../shared/errors.ts'
import type { Timers } from '../../shared/time/clock.ts'
import type { EdgeEnv } from './edge-env.ts'

export const deadlineHeader = 'x-shoal-timeout-ms'

export interface DeadlineOptions {
  readonly timers: Timers
  readonly defaultMs: number
  readonly maxMs: number
}

export function parseTimeoutMs(header: string | undefined, options: DeadlineOptions): number {
  if (header === undefined) return options.defaultMs
  if (!/^[0-9]{1,9}$/.test(header)) {
    throw new ShoalError('bad-request', `${deadlineHeader} must be a positive integer of ms`)
  }
  const value = Number(header)
  if (value < 1 || value > options.maxMs) {
    throw new ShoalError('bad-request', `${deadlineHeader} must be in 1..${options.maxMs}`)
  }
  return value
}

export function deadline(options: DeadlineOptions): MiddlewareHandler<EdgeEnv> {
  return async function deadline(c, next) {
    const timeoutMs = parseTimeoutMs(c.req.header(deadlineHeader), options)
    const controller = new AbortController()
    // Errors are built only when needed: capturing a stack on every request costs ~8% of a read.
    let fire: (error: ShoalError) => void = () => {}
    const expiry = new Promise<never>((_, reject) => {
      fire = reject
    })
    const timer = options.timers.after(timeoutMs, () => {
      const expired = new ShoalError(
        'deadline-exceeded',
        `the request deadline of ${timeoutMs} ms passed before an answer`,
      )
      controller.abort(expired)
      fire(expired)
    })
    // A client that goes away aborts the work too (cheaper than AbortSignal.any per request).
    const clientSignal = c.req.raw.signal
    const onClientGone = () =>
      controller.abort(new ShoalError('aborted', 'the client closed the request'))
    if (clientSignal.aborted) onClientGone()
    else clientSignal.addEventListener('abort', onClientGone, { once: true })
    c.set('signal', controller.signal)
    const rest = next()
    // Once the deadline wins the race, the rest may still fail later; nobody awaits it then.
    rest.catch(() => {})
    try {
      await Promise.race([rest, expiry])
    } finally {
      timer.cancel()
      clientSignal.removeEventListener('abort', onClientGone)
    }
  }
}
