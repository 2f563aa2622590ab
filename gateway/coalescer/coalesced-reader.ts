/**
 * CoalescedReader: the async shell around the pure Coalescer. It runs the backend read a
 * decision asks for, and settles every waiter when the flight completes (no polling: waiters
 * are deferreds resolved from the flight's own promise callbacks).
 *
 * Each waiter has its own deadline (a timer from the injected Timers) and AbortSignal. A
 * waiter that leaves is rejected at once ('deadline-exceeded' or 'aborted'); the flight goes on
 * for the others and is aborted only when its last waiter leaves. A failed flight rejects all
 * of its waiters with the same clean error (a ShoalError; anything else is wrapped as
 * 'unavailable') and is never cached here: the next read sends a new flight.
 *
 * The order of one read (R3): the decision and the registration are one synchronous step in
 * `read()`; a 'send' starts the backend read before `read()` returns, so a strong read that
 * arrives later in the same tick sees the flight as already departed.
 */
import { assert } from '../../shared/assert.ts'
import { deferred, type Deferred } from '../../shared/deferred.ts'
import { isShoalError, ShoalError } from '../../shared/errors.ts'
import type { Clock, TimerHandle, Timers } from '../../shared/time/clock.ts'
import type { AbortSource } from '../backend/gateway-backend.ts'
import type {
  Coalescer,
  Consistency,
  Decision,
  FlightId,
  WaiterId,
  WaiterRole,
} from './coalescer.ts'

export interface CoalescedRead<V> {
  readonly value: V
  /** For X-Shoal-Coalesced: 'leader' created the flight, 'follower' rode it. */
  readonly role: WaiterRole
  /** Waiters the flight settled, this one included. */
  readonly fanIn: number
  /** When the backend read was sent (monotonic ms): pass it to HotCache.set as readAtMs. */
  readonly departedAtMs: number
}

/** A read shed by the waiter limit: the HTTP layer answers 503 with Retry-After. */
export class ShedError extends ShoalError {
  readonly retryAfterMs: number
  constructor(retryAfterMs: number) {
    super('overloaded', 'too many reads waiting for this key')
    this.retryAfterMs = retryAfterMs
  }
}

export interface CoalescedReaderOptions<R, V> {
  /** The coalescing key of a request (coalescing-key.ts): tenant, table, key and variant. */
  keyOf(request: R): string
  /** One backend read; must honour `signal`. Its rejection reaches every waiter. */
  readBackend(request: R, options: { signal: AbortSignal }): Promise<V>
}

export interface ReadOptions {
  readonly consistency: Consistency
  /** Absolute deadline on the clock's monotonic scale. */
  readonly deadlineMs: number
  readonly signal?: AbortSignal
  /** The same cancellation as `signal` without an EventTarget (used instead when given). */
  readonly abortSource?: AbortSource
}

interface WaiterRecord<V> {
  readonly result: Deferred<CoalescedRead<V>>
  readonly role: WaiterRole
  cleanup: () => void
}

interface FlightRecord<R> {
  readonly request: R
  controller: AbortController | null
}

type Outcome<V> = { ok: true; value: V } | { ok: false; error: ShoalError }

export class CoalescedReader<R, V> {
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #coalescer: Coalescer
  readonly #options: CoalescedReaderOptions<R, V>
  readonly #flights = new Map<FlightId, FlightRecord<R>>()
  readonly #waiters = new Map<WaiterId, WaiterRecord<V>>()

  constructor(
    clock: Clock,
    timers: Timers,
    coalescer: Coalescer,
    options: CoalescedReaderOptions<R, V>,
  ) {
    this.#clock = clock
    this.#timers = timers
    this.#coalescer = coalescer
    this.#options = options
  }

  read(request: R, options: ReadOptions): Promise<CoalescedRead<V>> {
    if (options.signal?.aborted === true) {
      return Promise.reject(new ShoalError('aborted', 'the read was aborted before it started'))
    }
    const nowMs = this.#clock.monotonicMs()
    if (options.deadlineMs <= nowMs) {
      return Promise.reject(new ShoalError('deadline-exceeded', 'the deadline had passed'))
    }
    const key = this.#options.keyOf(request)
    const decision = this.#coalescer.onRead(key, { consistency: options.consistency, nowMs })
    if (decision.kind === 'shed') return Promise.reject(new ShedError(decision.retryAfterMs))
    const result = this.#register(decision, options, nowMs)
    if (!this.#flights.has(decision.flight)) {
      this.#flights.set(decision.flight, { request, controller: null })
    }
    if (decision.kind === 'send') this.#start(decision.flight)
    return result
  }

  /** Flights this shell is tracking (sent or forming); 0 when idle. */
  get flightCount(): number {
    return this.#flights.size
  }

  #register(
    decision: Exclude<Decision, { kind: 'shed' }>,
    options: ReadOptions,
    nowMs: number,
  ): Promise<CoalescedRead<V>> {
    const waiter = decision.waiter
    const result = deferred<CoalescedRead<V>>()
    const record: WaiterRecord<V> = { result, role: decision.role, cleanup: noop }
    this.#waiters.set(waiter, record)
    const timer: TimerHandle = this.#timers.after(options.deadlineMs - nowMs, () =>
      this.#leave(waiter, new ShoalError('deadline-exceeded', 'the read deadline passed')),
    )
    const onAbort = (): void => this.#leave(waiter, new ShoalError('aborted', 'read aborted'))
    // A source that has already fired calls back at once, before read() has tracked (and for
    // a 'send', started) the flight: that leave runs as a microtask, after read() returns.
    let hooking = true
    const unhook = hookAbort(options, () => (hooking ? queueMicrotask(onAbort) : onAbort()))
    hooking = false
    record.cleanup = () => {
      timer.cancel()
      unhook()
    }
    return result.promise
  }

  #start(flightId: FlightId): void {
    const flight = this.#flights.get(flightId)
    assert(flight !== undefined, 'a flight to start is tracked')
    assert(flight.controller === null, 'a flight starts once')
    const controller = new AbortController()
    flight.controller = controller
    let pending: Promise<V>
    try {
      pending = this.#options.readBackend(flight.request, { signal: controller.signal })
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (value) => this.#settle(flightId, { ok: true, value }),
      (error: unknown) => this.#settle(flightId, { ok: false, error: cleanError(error) }),
    )
  }

  #settle(flightId: FlightId, outcome: Outcome<V>): void {
    const nowMs = this.#clock.monotonicMs()
    const settlement = this.#coalescer.onReply(flightId, { ok: outcome.ok, nowMs })
    if (settlement.waiters.length === 0) return // cancelled: its waiters were settled on leave
    this.#flights.delete(flightId)
    const fanIn = settlement.waiters.length
    const departedAtMs = settlement.departedAtMs
    assert(departedAtMs !== null, 'a settled flight was sent')
    for (const waiterId of settlement.waiters) {
      const waiter = this.#waiters.get(waiterId)
      assert(waiter !== undefined, 'a settled waiter is tracked')
      this.#waiters.delete(waiterId)
      waiter.cleanup()
      if (outcome.ok) {
        waiter.result.resolve({ value: outcome.value, role: waiter.role, fanIn, departedAtMs })
      } else {
        waiter.result.reject(outcome.error)
      }
    }
    if (settlement.next !== null) this.#start(settlement.next)
  }

  #leave(waiterId: WaiterId, error: ShoalError): void {
    const waiter = this.#waiters.get(waiterId)
    if (waiter === undefined) return
    this.#waiters.delete(waiterId)
    waiter.cleanup()
    const left = this.#coalescer.leave(waiterId, { nowMs: this.#clock.monotonicMs() })
    waiter.result.reject(error)
    if (left.cancel !== null) {
      const flight = this.#flights.get(left.cancel)
      assert(flight !== undefined && flight.controller !== null, 'a cancelled flight was sent')
      this.#flights.delete(left.cancel)
      flight.controller.abort(new ShoalError('aborted', 'every waiter left the flight'))
    }
    if (left.dropped !== null) this.#flights.delete(left.dropped)
    if (left.send !== null) this.#start(left.send)
  }
}

function noop(): void {}

/** Listens for the read's cancellation on its abort source, else its signal; returns unhook. */
function hookAbort(options: ReadOptions, onAbort: () => void): () => void {
  if (options.abortSource !== undefined) return options.abortSource.onAbort(onAbort)
  const signal = options.signal
  if (signal === undefined) return noop
  signal.addEventListener('abort', onAbort, { once: true })
  return () => signal.removeEventListener('abort', onAbort)
}

function cleanError(error: unknown): ShoalError {
  if (isShoalError(error)) return error
  return new ShoalError('unavailable', 'the backend read failed', { cause: error })
}
