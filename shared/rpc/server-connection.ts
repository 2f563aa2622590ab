/**
 * ServerConnection: one accepted TCP connection of the RPC server.
 *
 * Life: `handshake` (the first frame must be a hello whose version and cluster match, else an
 * error frame and close) -> `open` (requests and one-way messages) -> `closing` (refused: the
 * error frame is flushed, FIN sent, destroyed after a grace period) -> `closed`.
 *
 * Backpressure: at most `inFlightMax` handlers run at once. Frames read meanwhile wait in a
 * read-ahead queue, stamped with their deadline when they arrive (so time spent waiting counts).
 * When that queue holds `inFlightMax` frames or `readAheadBytesMax` bytes, or the socket's write
 * side is full, the socket is paused and the kernel's receive window pushes back on the client.
 * Memory per connection is thus bounded by the read-ahead limits plus one read chunk and one
 * partial frame. A request whose deadline passed before its turn is dropped unanswered (its
 * client has already given up), and so is a response that comes too late.
 */
import type { Socket } from 'node:net'
import { assert, AssertionError, assertNever } from '../assert.ts'
import { isShoalError, ShoalError } from '../errors.ts'
import type { Logger } from '../log.ts'
import { BodyCodec } from '../protocol/body-codec.ts'
import {
  errorBody,
  helloMismatch,
  parseCall,
  parseHello,
  type Hello,
} from '../protocol/envelope.ts'
import { encodeFrame, frameOverheadBytes, type Frame } from '../protocol/frame.ts'
import { FrameDecoder } from '../protocol/frame-decoder.ts'
import { FrameKind, frameKindName } from '../protocol/message-kind.ts'
import type { Clock, TimerHandle, Timers } from '../time/clock.ts'
import { runInRpcServerSpan } from '../tracing/rpc-spans.ts'
import { markActiveSpanFailed } from '../tracing/spans.ts'
import { FrameWriter } from './frame-writer.ts'
import type { RpcContext, RpcHandler } from './rpc-handler.ts'
import { RequestScope } from './request-scope.ts'
import type { RpcMethodStats } from './rpc-method-stats.ts'
import type { RpcServerStats } from './rpc-server-stats.ts'

export interface ServerConnectionOptions {
  readonly local: Hello
  readonly handler: RpcHandler
  readonly inFlightMax: number
  readonly readAheadBytesMax: number
  readonly frameBytesMax: number
  readonly handshakeMsMax: number
  readonly closeGraceMs: number
  readonly onInternalError: (error: unknown, method: string) => void
}

interface WaitingFrame {
  readonly frame: Frame
  /** Monotonic ms; Infinity for one-way messages. */
  readonly deadlineMs: number
}

type ConnectionState = 'handshake' | 'open' | 'closing' | 'closed'

export class ServerConnection {
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #logger: Logger
  readonly #socket: Socket
  readonly #options: ServerConnectionOptions
  readonly #stats: RpcServerStats
  readonly #methodStats: RpcMethodStats
  readonly #codec = new BodyCodec()
  readonly #decoder: FrameDecoder
  readonly #writer: FrameWriter
  #state: ConnectionState = 'handshake'
  #peer: Hello | null = null
  /** Decoded frames not yet dispatched: waiting[#waitingIndex..] (an index-shifted queue). */
  #waiting: Array<WaitingFrame | undefined> = []
  #waitingIndex = 0
  /** Invariant: the sum of frame sizes in the waiting queue. */
  #waitingBytes = 0
  /** Handlers running; invariant: #inFlight === #active.size <= inFlightMax. */
  #inFlight = 0
  readonly #active = new Set<RequestScope>()
  #paused = false
  #stateTimer: TimerHandle | null = null
  readonly #onClosed: (connection: ServerConnection) => void

  constructor(
    clock: Clock,
    timers: Timers,
    logger: Logger,
    socket: Socket,
    options: ServerConnectionOptions & { stats: RpcServerStats; methodStats: RpcMethodStats },
    onClosed: (connection: ServerConnection) => void,
  ) {
    assert(options.inFlightMax >= 1, 'inFlightMax must be positive')
    this.#clock = clock
    this.#timers = timers
    this.#logger = logger
    this.#socket = socket
    this.#options = options
    this.#stats = options.stats
    this.#methodStats = options.methodStats
    this.#onClosed = onClosed
    this.#decoder = new FrameDecoder({ frameBytesMax: options.frameBytesMax })
    this.#writer = new FrameWriter(socket, () => this.#pump())
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', (error) => this.#logger.debug('rpc connection error', { error }))
    socket.on('close', () => this.#onClose())
    this.#stateTimer = timers.after(options.handshakeMsMax, () => {
      const message = `no hello within ${options.handshakeMsMax} ms`
      if (this.#state === 'handshake') this.#refuse(new ShoalError('protocol', message))
    })
  }

  /** Shuts the connection now (server shutdown): handlers are aborted, nothing more is sent. */
  destroy(): void {
    this.#socket.destroy()
  }

  #onData(chunk: Buffer): void {
    if (this.#state === 'closing' || this.#state === 'closed') return
    try {
      this.#decoder.push(chunk)
      for (let frame = this.#decoder.next(); frame !== null; frame = this.#decoder.next()) {
        this.#accept(frame)
        if (this.#state !== 'open') break // refused, or a handshake still to be answered
      }
    } catch (error) {
      this.#refuse(asProtocolError(error))
      return
    }
    this.#pump()
  }

  /** One decoded frame: the handshake, or queue it for dispatch. */
  #accept(frame: Frame): void {
    if (this.#state === 'handshake') return this.#acceptHello(frame)
    switch (frame.kind) {
      case FrameKind.request:
        this.#stats.requests++
        this.#enqueue(frame, this.#clock.monotonicMs() + frame.deadlineMs)
        return
      case FrameKind.message:
        this.#stats.messages++
        this.#enqueue(frame, Number.POSITIVE_INFINITY)
        return
      case FrameKind.error:
        // A connection-level complaint from the client; it closes after sending it.
        this.#logger.warn('rpc peer refused the connection', { peer: this.#peer?.nodeId })
        this.#state = 'closing'
        return this.#close()
      case FrameKind.hello:
      case FrameKind.welcome:
      case FrameKind.response:
        throw new ShoalError('protocol', `unexpected ${frameKindName(frame.kind)} frame`)
      default:
        return assertNever(frame.kind, 'frame kind the decoder should have refused')
    }
  }

  #acceptHello(frame: Frame): void {
    if (frame.kind !== FrameKind.hello) {
      throw new ShoalError('protocol', `expected hello, got ${frameKindName(frame.kind)}`)
    }
    const peer = parseHello(this.#codec.decode(frame.body))
    const mismatch = helloMismatch(this.#options.local, peer)
    if (mismatch !== null) throw new ShoalError('protocol', mismatch)
    this.#peer = peer
    this.#state = 'open'
    this.#stateTimer?.cancel()
    this.#stateTimer = null
    this.#send({ kind: FrameKind.welcome, requestId: 0 }, this.#options.local)
  }

  #enqueue(frame: Frame, deadlineMs: number): void {
    this.#waiting.push({ frame, deadlineMs })
    this.#waitingBytes += frame.body.length + frameOverheadBytes
  }

  #waitingCount(): number {
    return this.#waiting.length - this.#waitingIndex
  }

  /** Dispatches waiting frames up to the in-flight limit, then pauses or resumes reading. */
  #pump(): void {
    while (
      this.#state === 'open' &&
      this.#inFlight < this.#options.inFlightMax &&
      !this.#writer.blocked &&
      this.#waitingCount() > 0
    ) {
      const next = this.#waiting[this.#waitingIndex]!
      this.#waiting[this.#waitingIndex] = undefined // release the frame's bytes
      this.#waitingIndex++
      this.#waitingBytes -= next.frame.body.length + frameOverheadBytes
      if (this.#waitingIndex === this.#waiting.length) {
        this.#waiting = []
        this.#waitingIndex = 0
      }
      this.#dispatch(next)
    }
    const pause =
      this.#state === 'open' &&
      (this.#writer.blocked ||
        this.#waitingCount() >= this.#options.inFlightMax ||
        this.#waitingBytes >= this.#options.readAheadBytesMax)
    if (pause && !this.#paused) {
      this.#paused = true
      this.#stats.pauses++
      this.#socket.pause()
    } else if (!pause && this.#paused && this.#state === 'open') {
      this.#paused = false
      this.#socket.resume()
    }
  }

  #dispatch(waiting: WaitingFrame): void {
    const { frame, deadlineMs } = waiting
    const nowMs = this.#clock.monotonicMs()
    if (nowMs >= deadlineMs) {
      this.#stats.requestsExpired++
      return
    }
    let call
    try {
      call = parseCall(this.#codec.decode(frame.body))
    } catch (error) {
      return this.#refuse(asProtocolError(error))
    }
    const scope = new RequestScope(this.#clock, this.#timers, {
      method: call.method,
      deadlineMs,
      peerNodeId: this.#peer?.nodeId ?? '',
      oneWay: frame.kind === FrameKind.message,
    })
    this.#inFlight++
    this.#active.add(scope)
    const run = async (): Promise<Outcome> => {
      const outcome = await this.#run(call.method, call.params, scope)
      if (!outcome.ok) markActiveSpanFailed(outcome.error)
      const seconds = (this.#clock.monotonicMs() - nowMs) / 1000
      if (frame.kind === FrameKind.request)
        this.#methodStats.observe(call.method, seconds, !outcome.ok)
      return outcome
    }
    const traced = { method: call.method, peerNodeId: scope.peerNodeId }
    void runInRpcServerSpan(call.traceparent, traced, run).then((outcome) => {
      scope.dispose()
      this.#active.delete(scope)
      this.#inFlight--
      if (frame.kind === FrameKind.request) {
        const late = scope.deadlineFired || this.#clock.monotonicMs() >= deadlineMs
        this.#answer(frame.requestId, late, outcome)
      }
      this.#pump()
    })
  }

  /** Runs the handler; never rejects (the outcome carries the error). */
  async #run(method: string, params: unknown, context: RpcContext): Promise<Outcome> {
    try {
      return { ok: true, value: await this.#options.handler(method, params, context) }
    } catch (error) {
      if (isShoalError(error)) return { ok: false, error }
      this.#stats.handlerFailures++
      this.#options.onInternalError(error, method)
      return { ok: false, error: new ShoalError('internal', `internal error in ${method}`) }
    }
  }

  /** `late`: the deadline passed (or its abort fired): the caller gave up, nothing is sent. */
  #answer(requestId: number, late: boolean, outcome: Outcome): void {
    if (this.#state !== 'open') return
    if (late) {
      this.#stats.responsesLate++
      return
    }
    if (outcome.ok) {
      try {
        return this.#send({ kind: FrameKind.response, requestId }, outcome.value)
      } catch (error) {
        const failure = isShoalError(error) ? error : new ShoalError('internal', String(error))
        return this.#send({ kind: FrameKind.error, requestId }, errorBody(failure))
      }
    }
    this.#stats.errorsSent++
    this.#send({ kind: FrameKind.error, requestId }, errorBody(outcome.error))
  }

  #send(header: { kind: FrameKind; requestId: number }, body: unknown): void {
    const bytes = this.#codec.encode(body)
    const frameBytesMax = this.#options.frameBytesMax
    this.#writer.enqueue(encodeFrame({ ...header, deadlineMs: 0 }, bytes, { frameBytesMax }))
  }

  /** A bad frame or handshake: say why in a connection-level error frame, then close. */
  #refuse(error: ShoalError): void {
    if (this.#state === 'closing' || this.#state === 'closed') return
    this.#stats.connectionsRefused++
    this.#logger.warn('rpc connection refused', { code: error.code, message: error.message })
    this.#state = 'closing'
    this.#abortActive(error)
    this.#socket.pause()
    this.#writer.enqueue(
      encodeFrame(
        { kind: FrameKind.error, requestId: 0, deadlineMs: 0 },
        this.#codec.encode(errorBody(error)),
        { frameBytesMax: this.#options.frameBytesMax },
      ),
    )
    this.#writer.flushNow()
    this.#socket.end()
    this.#stateTimer?.cancel()
    this.#stateTimer = this.#timers.after(this.#options.closeGraceMs, () => this.#close())
  }

  #close(): void {
    this.#socket.destroy()
  }

  #onClose(): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#stateTimer?.cancel()
    this.#stateTimer = null
    this.#writer.close()
    this.#waiting = []
    this.#waitingIndex = 0
    this.#waitingBytes = 0
    this.#abortActive(new ShoalError('unavailable', 'rpc connection closed'))
    this.#onClosed(this)
  }

  #abortActive(reason: ShoalError): void {
    for (const scope of this.#active) scope.abort(reason)
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: ShoalError }

/** A refusal for what a bad frame caused; our own broken assertions are never swallowed (R5). */
function asProtocolError(error: unknown): ShoalError {
  if (error instanceof AssertionError) throw error
  if (isShoalError(error)) return error
  return new ShoalError('protocol', `bad frame: ${String(error)}`, { cause: error })
}
