/**
 * RequestScope: the deadline and cancellation of one request a server is running. The
 * AbortSignal and its deadline timer are made only when the handler first reads `signal`: most
 * handlers answer from memory without looking at it, and an AbortController plus a timer per
 * request is a measurable share of a small request's cost. Aborting a scope whose signal was
 * never read costs nothing, and a handler that reads the signal late still sees it aborted.
 */
import { ShoalError } from '../errors.ts'
import type { Clock, TimerHandle, Timers } from '../time/clock.ts'
import type { RpcContext } from './rpc-handler.ts'

export class RequestScope implements RpcContext {
  readonly deadlineMs: number
  readonly peerNodeId: string
  readonly oneWay: boolean
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #method: string
  #controller: AbortController | null = null
  #timer: TimerHandle | null = null
  /** Set when the scope was aborted before anyone read the signal. */
  #abortReason: ShoalError | null = null
  /**
   * The handler was told its deadline passed. Node timers run on the loop's cached clock, so
   * that can be a moment before deadlineMs by the monotonic clock; the answer still counts as
   * late then (the caller gave up at its own deadline).
   */
  deadlineFired = false

  constructor(
    clock: Clock,
    timers: Timers,
    fields: { method: string; deadlineMs: number; peerNodeId: string; oneWay: boolean },
  ) {
    this.#clock = clock
    this.#timers = timers
    this.#method = fields.method
    this.deadlineMs = fields.deadlineMs
    this.peerNodeId = fields.peerNodeId
    this.oneWay = fields.oneWay
  }

  get signal(): AbortSignal {
    if (this.#controller !== null) return this.#controller.signal
    const controller = new AbortController()
    this.#controller = controller
    if (this.#abortReason !== null) {
      controller.abort(this.#abortReason)
      return controller.signal
    }
    const remainingMs = this.deadlineMs - this.#clock.monotonicMs()
    if (remainingMs <= 0) {
      this.deadlineFired = true
      controller.abort(this.#deadlineError())
    } else if (Number.isFinite(remainingMs)) {
      this.#timer = this.#timers.after(remainingMs, () => {
        this.deadlineFired = true
        this.abort(this.#deadlineError())
      })
    }
    return controller.signal
  }

  abort(reason: ShoalError): void {
    this.#timer?.cancel()
    this.#timer = null
    if (this.#controller === null) this.#abortReason ??= reason
    else if (!this.#controller.signal.aborted) this.#controller.abort(reason)
  }

  /** The request finished: release the timer. */
  dispose(): void {
    this.#timer?.cancel()
    this.#timer = null
  }

  #deadlineError(): ShoalError {
    return new ShoalError('deadline-exceeded', `${this.#method}: deadline passed`)
  }
}
