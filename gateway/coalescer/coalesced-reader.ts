/**
 * CoalescedReader: the async shell around the pure Coalescer. It runs the backend read a
 * decision asks for, and settles every waiter when the flight completes (no polling: waiters
 * are settled from the flight's own promise callbacks).
 *
 * Two forms of one read. `join` is the callback form the edge's fast path uses: no promise,
 * deferred or timer per waiter, the caller's callback runs once with the value or one clean
 * error, and the returned ticket lets the waiter leave. `read` is the promise form (abort by
 * AbortSignal or AbortSource) built on `join`.
 *
 * Deadlines. Each waiter keeps its own deadline, but a waiter has no timer: each flight (in
 * the air or forming) has one deadline sweep from the injected Timers, armed at the earliest
 * deadline of its waiters. When it fires, every waiter of that flight whose deadline is due
 * leaves with 'deadline-exceeded' (or the error its caller chose), and the sweep re-arms at
 * the next deadline. A settled, cancelled or dropped flight cancels its sweep.
 *
 * A waiter that leaves (deadline, abort) is settled with its error at once; the flight goes on
 * for the others and is aborted only when its last waiter leaves. A failed flight settles all
 * of its waiters with the same clean error (a ShoalError; anything else is wrapped as
 * 'unavailable') and is never cached here: the next read sends a new flight.
 *
 * The order of one read (R3): the decision and the registration are one synchronous step in
 * `join()`; a 'send' starts the backend read before `join()` returns, so a strong read that
 * arrives later in the same tick sees the flight as already departed. When a flight's reply
 * settles its waiters (at once, or after the I/O batch: `afterIoBatch`), the forming flight
 * departs first, then the waiters' callbacks run.
 */
import { AbortLatch, type AbortLike } from '../../shared/abort/abort-latch.ts'
import { assert } from '../../shared/assert.ts'
import { deferred } from '../../shared/deferred.ts'
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
  readBackend(request: R, options: { signal: AbortLike }): Promise<V>
  /**
   * Runs a flight's settlement once the rest of the current I/O batch has been read
   * (setImmediate in the gateway); absent, a flight settles as its reply arrives. A reply is
   * read in the same batch as requests that reached the gateway with it: deferred, those strong
   * reads join the forming flight, which departs after them when the settlement runs, instead
   * of waiting for the flight after it. Under a hot key this raised the mean fan-in by ~10%.
   * The join rule is unchanged: the forming flight still departs after each of its waiters
   * arrived.
   */
  readonly afterIoBatch?: (run: () => void) => void
  /**
   * The least time, in ms, from a flight's departure to its settlement (default 0). A reply that
   * comes back sooner is held until then, so the forming flight behind it collects the strong
   * reads of that whole time: a hot key costs at most one backend read per max(round trip,
   * this). Holding a reply delays answers, never makes them older than the rule allows (the
   * forming flight still departs after every waiter it carries arrived). Measured under a hot
   * key: with a fast edge and a backend answering in ~1.5 ms, client reads per backend read
   * fell to ~57 without it; the storage leader shares its core with the load generator there.
   */
  readonly flightCycleMsMin?: number
}

export interface JoinOptions {
  readonly consistency: Consistency
  /** Absolute deadline on the clock's monotonic scale. */
  readonly deadlineMs: number
  /** The error the waiter gets when its deadline passes (default: the read deadline passed). */
  readonly deadlineError?: () => ShoalError
}

export interface ReadOptions extends JoinOptions {
  readonly signal?: AbortSignal
  /** The same cancellation as `signal` without an EventTarget (used instead when given). */
  readonly abortSource?: AbortSource
}

/**
 * Where a joined read ends: settled exactly once, with an error or with the read; at once,
 * inside `join`, when the read fails there (deadline already passed, shed). An object rather
 * than a callback, so a caller's per-read state can be its own sink (no closure per read).
 * Waiters of one flight with the same role share one read object.
 */
export interface ReadSink<V> {
  readSettled(error: ShoalError | null, read: CoalescedRead<V> | null): void
}

/** A waiter still riding a flight: `leave` settles it with `error`; later calls do nothing. */
export interface ReadTicket {
  leave(error: ShoalError): void
}

/**
 * Waiters that left stay in their flight's list until a sweep or a compaction drops them; a
 * list is compacted when it holds more than twice its live waiters plus this many, so clients
 * that join and leave during one long flight cannot grow it without bound.
 */
const leftWaitersSlack = 32

/** A flight this shell tracks (forming or in the air), with its waiters and deadline sweep. */
interface FlightRecord<R, V> {
  readonly id: FlightId
  readonly request: R
  controller: AbortLatch | null
  /** Every waiter that joined, in order; some that left may still be here (see above). */
  waiters: Waiter<R, V>[]
  /** Waiters of `waiters` not yet settled. */
  live: number
  sweep: TimerHandle | null
  sweepAtMs: number
  /** When the backend read was sent (monotonic ms); 0 until then. */
  startedAtMs: number
}

class Waiter<R, V> implements ReadTicket {
  done = false
  constructor(
    readonly reader: CoalescedReader<R, V>,
    readonly flight: FlightRecord<R, V>,
    readonly id: WaiterId,
    readonly role: WaiterRole,
    readonly deadlineMs: number,
    readonly sink: ReadSink<V>,
    readonly deadlineError: (() => ShoalError) | undefined,
  ) {}

  leave(error: ShoalError): void {
    this.reader.leaveWaiter(this, error)
  }
}

type Outcome<V> = { ok: true; value: V } | { ok: false; error: ShoalError }

export class CoalescedReader<R, V> {
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #coalescer: Coalescer
  readonly #options: CoalescedReaderOptions<R, V>
  readonly #flights = new Map<FlightId, FlightRecord<R, V>>()

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

  /** The promise form of `join`, cancelled by `signal` or `abortSource`. */
  read(request: R, options: ReadOptions): Promise<CoalescedRead<V>> {
    if (options.signal?.aborted === true) {
      return Promise.reject(new ShoalError('aborted', 'the read was aborted before it started'))
    }
    const result = deferred<CoalescedRead<V>>()
    let unhook = noop
    const ticket = this.join(request, options, {
      readSettled: (error, read) => {
        unhook()
        if (error !== null) result.reject(error)
        else result.resolve(read as CoalescedRead<V>)
      },
    })
    if (ticket === null) return result.promise
    const onAbort = (): void => ticket.leave(new ShoalError('aborted', 'read aborted'))
    // A source that has already fired calls back at once, before read() has returned: that
    // leave runs as a microtask, after read() returns.
    let hooking = true
    unhook = hookAbort(options, () => (hooking ? queueMicrotask(onAbort) : onAbort()))
    hooking = false
    return result.promise
  }

  /**
   * Registers a read and returns its ticket, or settles its sink at once and returns null
   * (deadline already passed, shed). The sink is settled exactly once.
   */
  join(request: R, options: JoinOptions, sink: ReadSink<V>): ReadTicket | null {
    const nowMs = this.#clock.monotonicMs()
    if (options.deadlineMs <= nowMs) {
      sink.readSettled(new ShoalError('deadline-exceeded', 'the deadline had passed'), null)
      return null
    }
    const key = this.#options.keyOf(request)
    const decision = this.#coalescer.onRead(key, { consistency: options.consistency, nowMs })
    if (decision.kind === 'shed') {
      sink.readSettled(new ShedError(decision.retryAfterMs), null)
      return null
    }
    const flight = this.#flightOf(decision, request)
    const waiter = new Waiter<R, V>(
      this,
      flight,
      decision.waiter,
      decision.role,
      options.deadlineMs,
      sink,
      options.deadlineError,
    )
    flight.waiters.push(waiter)
    flight.live++
    this.#arm(flight, options.deadlineMs, nowMs)
    if (decision.kind === 'send') this.#start(flight.id)
    return waiter
  }

  /** Flights this shell is tracking (sent or forming); 0 when idle. */
  get flightCount(): number {
    return this.#flights.size
  }

  /** Waiter records held over all flights, left ones not yet dropped included (leak checks). */
  get waiterRecordCount(): number {
    let count = 0
    for (const flight of this.#flights.values()) count += flight.waiters.length
    return count
  }

  /** A waiter leaves (its ticket's `leave`): settled with `error`, the flight goes on. */
  leaveWaiter(waiter: Waiter<R, V>, error: ShoalError): void {
    if (waiter.done) return
    waiter.done = true
    const flight = waiter.flight
    flight.live--
    if (flight.waiters.length > 2 * flight.live + leftWaitersSlack) {
      flight.waiters = flight.waiters.filter((each) => !each.done)
    }
    const left = this.#coalescer.leave(flight.id, waiter.id, { nowMs: this.#clock.monotonicMs() })
    if (left.cancel !== null) {
      const cancelled = this.#forget(left.cancel)
      assert(cancelled.controller !== null, 'a cancelled flight was sent')
      cancelled.controller.abort(new ShoalError('aborted', 'every waiter left the flight'))
    }
    if (left.dropped !== null) this.#forget(left.dropped)
    if (left.send !== null) this.#start(left.send)
    deliver(waiter, error, null)
  }

  #flightOf(decision: Exclude<Decision, { kind: 'shed' }>, request: R): FlightRecord<R, V> {
    const known = this.#flights.get(decision.flight)
    if (known !== undefined) return known
    const flight: FlightRecord<R, V> = {
      id: decision.flight,
      request,
      controller: null,
      startedAtMs: 0,
      waiters: [],
      live: 0,
      sweep: null,
      sweepAtMs: 0,
    }
    this.#flights.set(decision.flight, flight)
    return flight
  }

  /** Arms the flight's sweep at `deadlineMs` unless it is armed at or before it. */
  #arm(flight: FlightRecord<R, V>, deadlineMs: number, nowMs: number): void {
    if (flight.sweep !== null) {
      if (flight.sweepAtMs <= deadlineMs) return
      flight.sweep.cancel()
    }
    flight.sweepAtMs = deadlineMs
    flight.sweep = this.#timers.after(Math.max(0, deadlineMs - nowMs), () => this.#sweep(flight))
  }

  /** The sweep fired: due waiters leave; the rest are kept and the sweep re-arms. */
  #sweep(flight: FlightRecord<R, V>): void {
    flight.sweep = null
    const nowMs = this.#clock.monotonicMs()
    // The timer was armed for sweepAtMs: trust it, as a timer per waiter was trusted.
    const dueMs = Math.max(nowMs, flight.sweepAtMs)
    const kept: Waiter<R, V>[] = []
    let nextMs = Infinity
    for (const waiter of flight.waiters) {
      if (waiter.done) continue
      if (waiter.deadlineMs <= dueMs) {
        const error =
          waiter.deadlineError?.() ??
          new ShoalError('deadline-exceeded', 'the read deadline passed')
        assert(error.code === 'deadline-exceeded', 'a deadline error is deadline-exceeded')
        this.leaveWaiter(waiter, error)
      } else {
        kept.push(waiter)
        nextMs = Math.min(nextMs, waiter.deadlineMs)
      }
    }
    if (kept.length === 0 || this.#flights.get(flight.id) !== flight) return
    flight.waiters = kept
    this.#arm(flight, nextMs, nowMs)
  }

  /**
   * Stops tracking a flight (settled, cancelled or dropped), cancels its sweep and lets go of
   * its waiters. Why the last: V8 links each backing table a Map outgrows to its successor and
   * keeps the old table's entries, and an old table in the old generation is only reclaimed
   * by a full GC; until then a scavenge treats what it points to as live. A forgotten record
   * that still listed its waiters thus kept every request and response they answer alive
   * through scavenges into the old generation: under hot-key strong reads ~0.85 MB promoted per
   * scavenge and 3.3 ms pauses, against ~40 KB and 1.7 ms once records let go.
   */
  #forget(flightId: FlightId): FlightRecord<R, V> {
    const flight = this.#flights.get(flightId)
    assert(flight !== undefined, 'a flight to forget is tracked')
    this.#flights.delete(flightId)
    flight.sweep?.cancel()
    flight.sweep = null
    flight.waiters = []
    return flight
  }

  #start(flightId: FlightId): void {
    const flight = this.#flights.get(flightId)
    assert(flight !== undefined, 'a flight to start is tracked')
    assert(flight.controller === null, 'a flight starts once')
    const controller = new AbortLatch()
    flight.controller = controller
    flight.startedAtMs = this.#clock.monotonicMs()
    let pending: Promise<V>
    try {
      pending = this.#options.readBackend(flight.request, { signal: controller.signal })
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (value) => this.#replied(flightId, { ok: true, value }),
      (error: unknown) => this.#replied(flightId, { ok: false, error: cleanError(error) }),
    )
  }

  #replied(flightId: FlightId, outcome: Outcome<V>): void {
    const cycleMs = this.#options.flightCycleMsMin ?? 0
    const flight = cycleMs > 0 ? this.#flights.get(flightId) : undefined
    if (flight !== undefined) {
      const holdMs = flight.startedAtMs + cycleMs - this.#clock.monotonicMs()
      if (holdMs > 0) {
        this.#timers.after(holdMs, () => this.#settle(flightId, outcome))
        return
      }
    }
    const afterIoBatch = this.#options.afterIoBatch
    if (afterIoBatch === undefined) this.#settle(flightId, outcome)
    else afterIoBatch(() => this.#settle(flightId, outcome))
  }

  #settle(flightId: FlightId, outcome: Outcome<V>): void {
    const nowMs = this.#clock.monotonicMs()
    const settlement = this.#coalescer.onReply(flightId, { ok: outcome.ok, nowMs })
    if (settlement.waiters.length === 0) return // cancelled: its waiters were settled on leave
    const flight = this.#flights.get(flightId)
    assert(flight !== undefined, 'a settled flight is tracked')
    const waiters = flight.waiters
    this.#forget(flightId)
    const fanIn = settlement.waiters.length
    const departedAtMs = settlement.departedAtMs
    assert(departedAtMs !== null, 'a settled flight was sent')
    // The forming flight departs before the callbacks run: they may take a while (answers).
    if (settlement.next !== null) this.#start(settlement.next)
    // One read object per role for the whole flight: fewer objects live per waiter.
    let leader: CoalescedRead<V> | null = null
    let follower: CoalescedRead<V> | null = null
    let settled = 0
    for (const waiter of waiters) {
      if (waiter.done) continue
      waiter.done = true
      settled++
      if (!outcome.ok) {
        deliver(waiter, outcome.error, null)
      } else if (waiter.role === 'leader') {
        leader ??= { value: outcome.value, role: 'leader', fanIn, departedAtMs }
        deliver(waiter, null, leader)
      } else {
        follower ??= { value: outcome.value, role: 'follower', fanIn, departedAtMs }
        deliver(waiter, null, follower)
      }
    }
    assert(settled === fanIn, 'the shell settles exactly the waiters the coalescer settles')
    assert(flight.live === fanIn, 'a flight counts its live waiters')
    flight.live = 0
  }
}

/** Settles a waiter's sink; a sink that throws cannot stop the others being settled. */
function deliver<V>(
  waiter: Waiter<unknown, V>,
  error: ShoalError | null,
  read: CoalescedRead<V> | null,
): void {
  try {
    waiter.sink.readSettled(error, read)
  } catch (thrown) {
    queueMicrotask(() => {
      throw thrown
    })
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

export function cleanError(error: unknown): ShoalError {
  if (isShoalError(error)) return error
  return new ShoalError('unavailable', 'the backend read failed', { cause: error })
}
