/**
 * Coalescer: the pure per-key flight table (STYLE.md R1). It never awaits and never reads a
 * clock; the async shell (coalesced-reader.ts) runs the backend reads it asks for.
 *
 * A *flight* is one backend read of one key; a *waiter* is one client read riding a flight.
 * Per key there is at most one flight in the air (`inFlight`) and one forming behind it
 * (`forming`). The join rule (proof sketch in linearizability.md):
 *
 * - eventual reads ride the flight in the air if there is one, else send a new one;
 * - strong reads ride only a flight that departs after they arrived: with no flight in the air
 *   they send one now; otherwise they wait for the forming flight, which departs when the one
 *   in the air returns (`onReply` hands it back as `next`).
 *
 * A hot key so costs at most one backend read per backend round trip. Waiters may leave
 * (deadline, abort) without disturbing the others; a flight is cancelled only when its last
 * waiter leaves. Waiters per key are bounded: past `waitersPerKeyMax` a read is shed.
 *
 * Keys are opaque strings built by coalescing-key.ts; they include the tenant and table so no
 * read ever rides another tenant's flight.
 */
import { assert } from '../../shared/assert.ts'
import { limits } from '../../shared/limits.ts'

export type Consistency = 'strong' | 'eventual'
export type FlightId = number & { readonly __brand: 'FlightId' }
export type WaiterId = number & { readonly __brand: 'WaiterId' }
/** 'leader': this waiter's read created the flight; 'follower': it rode along. */
export type WaiterRole = 'leader' | 'follower'

export type Decision =
  | { kind: 'send'; flight: FlightId; waiter: WaiterId; role: 'leader' } // start it now
  | { kind: 'join'; flight: FlightId; waiter: WaiterId; role: 'follower' } // ride the one in air
  | { kind: 'wait-next'; flight: FlightId; waiter: WaiterId; role: WaiterRole } // ride forming
  | { kind: 'shed'; retryAfterMs: number } // over a limit: answer 503 + Retry-After

/** What a reply settles: every waiter still on the flight, and the flight to send next. */
export interface Settlement {
  readonly flight: FlightId
  /** Waiters to settle with this flight's outcome (empty for a cancelled flight). */
  readonly waiters: readonly WaiterId[]
  /** The forming flight of the same key, which departs now; the shell must send it. */
  readonly next: FlightId | null
  /**
   * When the settled flight was sent (null for a cancelled one): its value was current at some
   * instant at or after this, so a cache entry made from it is as old as this, not older.
   */
  readonly departedAtMs: number | null
}

export interface LeaveResult {
  /** A flight in the air whose last waiter left: the shell aborts its backend read. */
  readonly cancel: FlightId | null
  /** The forming flight, which departs now because the one in the air was cancelled. */
  readonly send: FlightId | null
  /** A forming flight whose last waiter left: it never departs; the shell forgets it. */
  readonly dropped: FlightId | null
}

const nothingToDo: LeaveResult = { cancel: null, send: null, dropped: null }

export interface CoalescerOptions {
  readonly waitersPerKeyMax: number
  readonly keysMax: number
  readonly shedRetryAfterMs: number
  /** Test-only planted bug: strong reads also join the flight in the air. Never in prod. */
  readonly joinAnyInFlight?: boolean
}

export const defaultCoalescerOptions: CoalescerOptions = {
  waitersPerKeyMax: limits.waitersPerKeyMax,
  keysMax: limits.coalescerKeysMax,
  shedRetryAfterMs: limits.coalescerShedRetryAfterMs,
}

interface Flight {
  readonly id: FlightId
  readonly key: string
  /**
   * Invariant: non-empty while the flight is in the table (an empty one is dropped); emptied
   * when it leaves the table (see `onReply`).
   */
  readonly waiters: Set<WaiterId>
  state: 'forming' | 'in-flight'
  departedAtMs: number | null
}

interface KeyState {
  /** Invariant: never null while the key is in the table. */
  inFlight: Flight
  /** Invariant: if non-null, its state is 'forming' and it has at least one waiter. */
  forming: Flight | null
}

/** Monotonic counters (STYLE.md R18); coalescing ratio = clientReads / backendReads. */
export interface CoalescerStats {
  clientReads: number
  backendReads: number
  joined: number
  waitedForNext: number
  shed: number
  left: number
  cancelled: number
  flightsSettled: number
  flightsFailed: number
  /** Sum and max of waiters settled per flight: mean fan-in = waitersSettled / flightsSettled. */
  waitersSettled: number
  fanInMax: number
  backendMsTotal: number
}

export class Coalescer {
  readonly stats: CoalescerStats = {
    clientReads: 0,
    backendReads: 0,
    joined: 0,
    waitedForNext: 0,
    shed: 0,
    left: 0,
    cancelled: 0,
    flightsSettled: 0,
    flightsFailed: 0,
    waitersSettled: 0,
    fanInMax: 0,
    backendMsTotal: 0,
  }
  readonly #options: CoalescerOptions
  readonly #keys = new Map<string, KeyState>()
  /**
   * Flights by id. A waiter is found through its flight (`leave` takes both): no table by
   * waiter, which cost a Map insert and delete per read.
   */
  readonly #flights = new Map<FlightId, Flight>()
  #nextFlightId = 1
  #nextWaiterId = 1

  constructor(options: CoalescerOptions) {
    assert(options.waitersPerKeyMax >= 1, 'waitersPerKeyMax must be at least 1')
    assert(options.keysMax >= 1, 'keysMax must be at least 1')
    assert(options.shedRetryAfterMs > 0, 'shedRetryAfterMs must be positive')
    this.#options = options
  }

  /** Registers a client read of `key` and says how it is served. Synchronous (R3). */
  onRead(key: string, options: { consistency: Consistency; nowMs: number }): Decision {
    this.stats.clientReads++
    const state = this.#keys.get(key)
    if (state === undefined) {
      if (this.#keys.size >= this.#options.keysMax) return this.#shed()
      const flight = this.#newFlight(key, 'in-flight', options.nowMs)
      this.#keys.set(key, { inFlight: flight, forming: null })
      return { kind: 'send', flight: flight.id, waiter: this.#addWaiter(flight), role: 'leader' }
    }
    const waiting = state.inFlight.waiters.size + (state.forming?.waiters.size ?? 0)
    if (waiting >= this.#options.waitersPerKeyMax) return this.#shed()
    const joinInAir = options.consistency === 'eventual' || this.#options.joinAnyInFlight === true
    if (joinInAir) {
      this.stats.joined++
      const waiter = this.#addWaiter(state.inFlight)
      return { kind: 'join', flight: state.inFlight.id, waiter, role: 'follower' }
    }
    this.stats.waitedForNext++
    const role: WaiterRole = state.forming === null ? 'leader' : 'follower'
    state.forming ??= this.#newFlight(key, 'forming', null)
    const waiter = this.#addWaiter(state.forming)
    return { kind: 'wait-next', flight: state.forming.id, waiter, role }
  }

  /**
   * The backend read of `flight` finished (successfully or not). Returns the waiters to settle
   * with its outcome and the forming flight that departs now. A reply for a flight that was
   * cancelled settles nobody.
   */
  onReply(flightId: FlightId, options: { ok: boolean; nowMs: number }): Settlement {
    const flight = this.#flights.get(flightId)
    if (flight === undefined) {
      return { flight: flightId, waiters: [], next: null, departedAtMs: null }
    }
    assert(flight.state === 'in-flight', 'a forming flight cannot have a reply')
    const state = this.#keys.get(flight.key)
    assert(state !== undefined && state.inFlight === flight, 'flight must be its key in the air')
    const waiters = [...flight.waiters]
    assert(waiters.length > 0, 'a flight in the air has waiters')
    this.#flights.delete(flightId)
    // V8 keeps a Map's outgrown backing tables linked to their successors, so a flight deleted
    // from #flights may stay reachable until a full GC: it should not hold its waiter set then.
    flight.waiters.clear()
    this.#countSettled(flight, waiters.length, options)
    const next = this.#depart(state, flight.key, options.nowMs)
    return { flight: flightId, waiters, next, departedAtMs: flight.departedAtMs }
  }

  /**
   * A waiter of `flightId` (the flight its decision named) leaves (deadline or abort). Unknown
   * or settled waiters are a no-op.
   */
  leave(flightId: FlightId, waiterId: WaiterId, options: { nowMs: number }): LeaveResult {
    const flight = this.#flights.get(flightId)
    if (flight === undefined || !flight.waiters.delete(waiterId)) return nothingToDo
    this.stats.left++
    if (flight.waiters.size > 0) return nothingToDo
    const state = this.#keys.get(flight.key)
    assert(state !== undefined, 'a flight with waiters has a key entry')
    this.#flights.delete(flight.id)
    if (flight.state === 'forming') {
      assert(state.forming === flight, 'the forming flight is its key forming')
      state.forming = null
      return { cancel: null, send: null, dropped: flight.id }
    }
    assert(state.inFlight === flight, 'the flight in the air is its key in the air')
    this.stats.cancelled++
    const send = this.#depart(state, flight.key, options.nowMs)
    return { cancel: flight.id, send, dropped: null }
  }

  /** Number of keys with a flight, for metrics and leak checks in tests. */
  get keyCount(): number {
    return this.#keys.size
  }

  /** Number of registered waiters over all keys (for leak checks: it walks every flight). */
  get waiterCount(): number {
    let count = 0
    for (const flight of this.#flights.values()) count += flight.waiters.size
    return count
  }

  /** The in-air flight of `key` has ended: the forming one departs, or the key is dropped. */
  #depart(state: KeyState, key: string, nowMs: number): FlightId | null {
    const forming = state.forming
    if (forming === null) {
      this.#keys.delete(key)
      return null
    }
    assert(forming.waiters.size > 0, 'a forming flight has waiters')
    forming.state = 'in-flight'
    forming.departedAtMs = nowMs
    state.inFlight = forming
    state.forming = null
    this.stats.backendReads++
    return forming.id
  }

  #newFlight(key: string, state: Flight['state'], nowMs: number | null): Flight {
    const id = this.#nextFlightId++ as FlightId
    const flight: Flight = { id, key, waiters: new Set(), state, departedAtMs: nowMs }
    this.#flights.set(id, flight)
    if (state === 'in-flight') this.stats.backendReads++
    return flight
  }

  #addWaiter(flight: Flight): WaiterId {
    const waiter = this.#nextWaiterId++ as WaiterId
    flight.waiters.add(waiter)
    return waiter
  }

  #countSettled(flight: Flight, fanIn: number, options: { ok: boolean; nowMs: number }): void {
    this.stats.flightsSettled++
    if (!options.ok) this.stats.flightsFailed++
    this.stats.waitersSettled += fanIn
    this.stats.fanInMax = Math.max(this.stats.fanInMax, fanIn)
    assert(flight.departedAtMs !== null, 'a flight in the air has a departure time')
    this.stats.backendMsTotal += Math.max(0, options.nowMs - flight.departedAtMs)
  }

  #shed(): Decision {
    this.stats.shed++
    return { kind: 'shed', retryAfterMs: this.#options.shedRetryAfterMs }
  }
}
