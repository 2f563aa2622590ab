/**
 * PendingRequests: a client connection's requests awaiting an answer, by request id. Bounded by
 * pendingMax (the client refuses beyond it). Taking an entry out is the only way to settle it,
 * and it releases the entry's deadline timer and abort listener, so whichever of answer,
 * deadline, abort or connection loss comes first wins and the others find nothing.
 */
import type { AbortLike } from '../abort/abort-latch.ts'
import { assert } from '../assert.ts'
import { ReleasingMap } from '../collections/releasing-map.ts'
import { deferred, type Deferred } from '../deferred.ts'
import type { TimerHandle } from '../time/clock.ts'

export interface PendingRequest {
  readonly requestId: number
  readonly method: string
  /** Monotonic ms on the client's Clock. */
  readonly deadlineMs: number
  /** The encoded [method, params] body until the request is written; null after. */
  body: Uint8Array | null
  readonly answer: Deferred<unknown>
  timer: TimerHandle | null
  abort: { readonly signal: AbortLike; readonly listener: () => void } | null
}

const requestIdMax = 0xffffffff // u32 in the frame; 0 is reserved for connection-level frames

export class PendingRequests {
  readonly #pendingMax: number
  /**
   * Insertion order is request order, so unwritten requests are written in order. A taken
   * request leaves nothing behind in the map (see ReleasingMap).
   */
  readonly #byId = new ReleasingMap<number, PendingRequest>()
  #nextRequestId = 1
  /** Invariant: the sum of body lengths of entries not yet written. */
  #unwrittenBytes = 0

  constructor(options: { pendingMax: number }) {
    assert(options.pendingMax >= 1, 'pendingMax must be positive')
    assert(options.pendingMax < requestIdMax, 'pendingMax must leave free request ids')
    this.#pendingMax = options.pendingMax
  }

  get size(): number {
    return this.#byId.size
  }

  get full(): boolean {
    return this.#byId.size >= this.#pendingMax
  }

  get unwrittenBytes(): number {
    return this.#unwrittenBytes
  }

  /** Registers a request under a fresh id. The caller checked `full` first. */
  add(init: { method: string; deadlineMs: number; body: Uint8Array }): PendingRequest {
    assert(!this.full, 'pending requests over their limit')
    const requestId = this.#allocateId()
    const pending: PendingRequest = {
      requestId,
      method: init.method,
      deadlineMs: init.deadlineMs,
      body: init.body,
      answer: deferred<unknown>(),
      timer: null,
      abort: null,
    }
    this.#byId.set(requestId, pending)
    this.#unwrittenBytes += init.body.length
    return pending
  }

  /** Marks a request written: its body is on its way and no longer held here. */
  markWritten(pending: PendingRequest): void {
    assert(pending.body !== null, 'request written twice')
    this.#unwrittenBytes -= pending.body.length
    pending.body = null
  }

  /** Removes and returns the request, releasing its timer and listener; undefined if gone. */
  take(requestId: number): PendingRequest | undefined {
    const pending = this.#byId.take(requestId)
    if (pending === undefined) return undefined
    if (pending.body !== null) this.#unwrittenBytes -= pending.body.length
    pending.timer?.cancel()
    pending.timer = null
    if (pending.abort !== null) {
      pending.abort.signal.removeEventListener('abort', pending.abort.listener)
      pending.abort = null
    }
    return pending
  }

  /** Requests not yet written, in request order. */
  unwritten(): PendingRequest[] {
    return this.#byId.values().filter((pending) => pending.body !== null)
  }

  /** Removes every request (connection lost or client closed). */
  takeAll(): PendingRequest[] {
    const ids = [...this.#byId.keys()]
    const taken = ids.map((id) => this.take(id))
    assert(this.#byId.size === 0 && this.#unwrittenBytes === 0, 'takeAll left requests behind')
    return taken.filter((pending) => pending !== undefined)
  }

  #allocateId(): number {
    // Ids wrap around; an id still pending is skipped. At most pendingMax ids are in use, so
    // this loop ends within pendingMax + 1 steps.
    for (;;) {
      const id = this.#nextRequestId
      this.#nextRequestId = id === requestIdMax ? 1 : id + 1
      if (!this.#byId.has(id)) return id
    }
  }
}
