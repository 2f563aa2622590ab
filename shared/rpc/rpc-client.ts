/**
 * RpcClient: one persistent connection to one peer (a storage node), shared by every request to
 * it. Requests carry ids, so many are in flight on the connection at once; answers may come back
 * in any order.
 *
 *   const client = new RpcClient(clock, timers, prng, logger, { host, port, clusterId, nodeId })
 *   const result: unknown = await client.request('kv.get', params, {
 *     deadlineMs: clock.monotonicMs() + 500, signal })
 *   client.close()
 *
 * States: `idle` -> `connecting` (TCP connect, then hello/welcome) -> `ready` -> on loss or
 * refusal `backoff` (a reconnect is scheduled with jittered exponential backoff from the Prng) ->
 * `connecting` ... ; `closed` is final. Requests made while connecting wait for the handshake;
 * while in backoff they fail at once with the reason the connection was lost (`unavailable`, or
 * `protocol` after a refused handshake), so a caller can go to another replica instead.
 *
 * A request settles exactly once, with the first of: the answer (a value, or the remote
 * ShoalError), its deadline (`deadline-exceeded`), its signal (`aborted`), or the connection's
 * loss (`unavailable`: it may or may not have run on the peer). Limits: pending requests per
 * connection (`overloaded` beyond) and bytes not yet taken by the socket (`overloaded`).
 *
 * Tracing: a request made inside an active trace gets a CLIENT span (shared/tracing), and its
 * traceparent rides in the call body when the peer's welcome announced `traceContext`.
 */
import { connect, type Socket } from 'node:net'
import type { AbortLike } from '../abort/abort-latch.ts'
import { assert, AssertionError, assertNever } from '../assert.ts'
import { ShoalError } from '../errors.ts'
import { limits } from '../limits.ts'
import type { Logger } from '../log.ts'
import { BodyCodec } from '../protocol/body-codec.ts'
import {
  callBody,
  helloMismatch,
  parseErrorBody,
  parseHello,
  protocolVersion,
  type Hello,
} from '../protocol/envelope.ts'
import { encodeFrame, frameOverheadBytes, type Frame } from '../protocol/frame.ts'
import { FrameDecoder } from '../protocol/frame-decoder.ts'
import { FrameKind, frameKindName } from '../protocol/message-kind.ts'
import type { Prng } from '../random/prng.ts'
import { endRpcClientSpanOn, startRpcClientSpan } from '../tracing/rpc-spans.ts'
import type { Clock, TimerHandle, Timers } from '../time/clock.ts'
import { reconnectDelayMs } from './backoff.ts'
import { FrameWriter } from './frame-writer.ts'
import { PendingRequests, type PendingRequest } from './pending-requests.ts'
import { newRpcClientStats, type RpcClientStats } from './rpc-client-stats.ts'

export interface RpcClientOptions {
  readonly host: string
  readonly port: number
  readonly clusterId: string
  /** Our id, sent in the hello. */
  readonly nodeId: string
  /** When set, the peer's welcome must carry this node id. */
  readonly peerNodeId?: string
  readonly pendingMax?: number
  readonly queuedBytesMax?: number
  readonly frameBytesMax?: number
  readonly handshakeMsMax?: number
  readonly backoffMsMin?: number
  readonly backoffMsMax?: number
  /** The protocol version to announce; only tests of the handshake override it. */
  readonly protocolVersion?: number
}

export interface RequestOptions {
  /** When the caller gives up, in ms on the client's Clock.monotonicMs(). */
  readonly deadlineMs: number
  /** An AbortSignal, or the lighter AbortLatch the gateway's flights use. */
  readonly signal?: AbortLike
}

export type RpcClientState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed'

/** One TCP connection attempt and its codec state; replaced on every reconnect. */
interface Link {
  readonly socket: Socket
  readonly decoder: FrameDecoder
  readonly writer: FrameWriter
}

export class RpcClient {
  readonly stats: RpcClientStats = newRpcClientStats()
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #prng: Prng
  readonly #logger: Logger
  readonly #options: RpcClientOptions
  readonly #local: Hello
  readonly #frameBytesMax: number
  readonly #queuedBytesMax: number
  readonly #codec = new BodyCodec()
  readonly #pending: PendingRequests
  #state: RpcClientState = 'idle'
  #link: Link | null = null
  /** Why the last connection ended; requests made during backoff fail with it. */
  #lastFailure: ShoalError | null = null
  /** Consecutive failed connection attempts; 0 once a handshake succeeds. */
  #attempt = 0
  #stateTimer: TimerHandle | null = null
  /** The connected peer accepts a traceparent in calls (its welcome said so). */
  #peerTraceContext = false

  constructor(clock: Clock, timers: Timers, prng: Prng, logger: Logger, options: RpcClientOptions) {
    this.#clock = clock
    this.#timers = timers
    this.#prng = prng
    this.#logger = logger
    this.#options = options
    this.#local = {
      protocolVersion: options.protocolVersion ?? protocolVersion,
      clusterId: options.clusterId,
      nodeId: options.nodeId,
    }
    this.#frameBytesMax = options.frameBytesMax ?? limits.frameBytesMax
    this.#queuedBytesMax = options.queuedBytesMax ?? limits.rpcQueuedBytesPerConnectionMax
    this.#pending = new PendingRequests({
      pendingMax: options.pendingMax ?? limits.rpcPendingPerConnectionMax,
    })
  }

  get state(): RpcClientState {
    return this.#state
  }

  get pendingCount(): number {
    return this.#pending.size
  }

  /** Starts connecting now instead of on the first request (no-op unless idle). */
  connect(): void {
    if (this.#state === 'idle') this.#connect()
  }

  /** Sends a request; resolves with the peer's answer, `unknown` until the caller parses it. */
  request(method: string, params: unknown, options: RequestOptions): Promise<unknown> {
    this.stats.requests++
    const refusal = this.#admit(options)
    if (refusal !== null) return this.#refuseEarly(refusal)
    const traced = startRpcClientSpan(method, this.#peer())
    const traceparent =
      traced !== null && this.#peerTraceContext && this.#state === 'ready'
        ? traced.traceparent
        : undefined
    let body: Uint8Array
    try {
      const call = traceparent === undefined ? { method, params } : { method, params, traceparent }
      body = this.#codec.encode(callBody(call))
      this.#checkRoom(method, body.length)
    } catch (error) {
      const failed = Promise.reject(error)
      if (traced !== null) endRpcClientSpanOn(traced, failed)
      return failed
    }
    const pending = this.#pending.add({ method, deadlineMs: options.deadlineMs, body })
    const remainingMs = options.deadlineMs - this.#clock.monotonicMs()
    pending.timer = this.#timers.after(remainingMs, () => this.#expire(pending.requestId))
    const signal = options.signal
    if (signal !== undefined) {
      const listener = (): void => this.#abort(pending.requestId, signal)
      signal.addEventListener('abort', listener, { once: true })
      pending.abort = { signal, listener }
    }
    if (this.#state === 'ready') this.#write(pending)
    else if (this.#state === 'idle') this.#connect()
    if (traced !== null) endRpcClientSpanOn(traced, pending.answer.promise)
    return pending.answer.promise
  }

  /**
   * Sends a one-way message (raft traffic): true when it was queued on a ready connection,
   * false when it was dropped (not connected, or the socket is backed up). Never throws for
   * transport reasons; the sender's protocol retransmits.
   */
  send(method: string, params: unknown): boolean {
    if (this.#state === 'idle') this.#connect()
    const link = this.#link
    if (this.#state !== 'ready' || link === null) {
      this.stats.messagesDropped++
      return false
    }
    const body = this.#codec.encode(callBody({ method, params }))
    const frameBytes = body.length + frameOverheadBytes
    if (link.writer.queuedBytes + frameBytes > this.#queuedBytesMax) {
      this.stats.messagesDropped++
      return false
    }
    const header = { kind: FrameKind.message, requestId: 0, deadlineMs: 0 }
    link.writer.enqueue(encodeFrame(header, body, { frameBytesMax: this.#frameBytesMax }))
    this.stats.messagesSent++
    return true
  }

  /** Closes the connection for good; pending requests fail with `closed`. */
  close(): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#stateTimer?.cancel()
    this.#stateTimer = null
    this.#dropLink()
    this.#rejectAll(new ShoalError('closed', `rpc client to ${this.#peerName()} closed`))
  }

  /** Why a new request cannot be taken, or null. Checked before anything is registered. */
  #admit(options: RequestOptions): ShoalError | null {
    if (this.#state === 'closed') {
      return new ShoalError('closed', `rpc client to ${this.#peerName()} is closed`)
    }
    if (options.signal?.aborted === true) return new ShoalError('aborted', 'request aborted')
    if (options.deadlineMs <= this.#clock.monotonicMs()) {
      return new ShoalError('deadline-exceeded', 'deadline passed before the request was sent')
    }
    if (this.#pending.full) {
      return new ShoalError('overloaded', `${this.#pending.size} requests pending on one peer`)
    }
    if (this.#state === 'backoff') {
      const failure = this.#lastFailure
      const message = `not connected to ${this.#peerName()}: ${failure?.message ?? 'backoff'}`
      return new ShoalError(failure?.code ?? 'unavailable', message)
    }
    return null
  }

  #refuseEarly(refusal: ShoalError): Promise<never> {
    this.#count(refusal)
    return Promise.reject(refusal)
  }

  /** Throws when a body of this size would not fit the frame or the send queue. */
  #checkRoom(method: string, bodyBytes: number): void {
    const frameBytes = bodyBytes + frameOverheadBytes
    if (frameBytes > this.#frameBytesMax) {
      throw new ShoalError(
        'too-large',
        `${method} request of ${frameBytes} bytes is over the limit of ${this.#frameBytesMax}`,
      )
    }
    const queuedBytes = (this.#link?.writer.queuedBytes ?? 0) + this.#pending.unwrittenBytes
    if (queuedBytes + frameBytes > this.#queuedBytesMax) {
      this.stats.overloaded++
      throw new ShoalError('overloaded', `${queuedBytes} bytes queued to ${this.#peerName()}`)
    }
  }

  #write(pending: PendingRequest): void {
    const link = this.#link
    assert(link !== null && this.#state === 'ready', 'write without a ready connection')
    assert(pending.body !== null, 'request written twice')
    const remainingMs = Math.ceil(pending.deadlineMs - this.#clock.monotonicMs())
    if (remainingMs <= 0) return this.#expire(pending.requestId)
    const header = { kind: FrameKind.request, requestId: pending.requestId, deadlineMs: 0 }
    const frame = encodeFrame(
      { ...header, deadlineMs: Math.min(remainingMs, 0xffffffff) },
      pending.body,
      { frameBytesMax: this.#frameBytesMax },
    )
    this.#pending.markWritten(pending)
    link.writer.enqueue(frame)
  }

  #expire(requestId: number): void {
    const pending = this.#pending.take(requestId)
    if (pending === undefined) return
    this.stats.deadlineExceeded++
    pending.answer.reject(
      new ShoalError('deadline-exceeded', `${pending.method} to ${this.#peerName()}: deadline`),
    )
  }

  #abort(requestId: number, signal: AbortLike): void {
    const pending = this.#pending.take(requestId)
    if (pending === undefined) return
    this.stats.aborted++
    pending.answer.reject(
      new ShoalError('aborted', `${pending.method} aborted`, { cause: signal.reason }),
    )
  }

  #connect(): void {
    assert(this.#state === 'idle' || this.#state === 'backoff', 'connect from a live state')
    assert(this.#link === null, 'connect with a link still open')
    this.#state = 'connecting'
    this.stats.connects++
    const socket = connect({ host: this.#options.host, port: this.#options.port, noDelay: true })
    const link: Link = {
      socket,
      decoder: new FrameDecoder({ frameBytesMax: this.#frameBytesMax }),
      writer: new FrameWriter(socket, () => {}),
    }
    this.#link = link
    socket.setKeepAlive(true, 10_000)
    socket.on('connect', () => {
      const body = this.#codec.encode(this.#local)
      const header = { kind: FrameKind.hello, requestId: 0, deadlineMs: 0 }
      link.writer.enqueue(encodeFrame(header, body, { frameBytesMax: this.#frameBytesMax }))
      link.writer.flushNow()
    })
    socket.on('data', (chunk: Buffer) => this.#onData(link, chunk))
    let socketError: Error | null = null
    socket.on('error', (error) => {
      socketError = error
    })
    socket.on('close', () => {
      if (this.#link !== link) return
      const why = socketError === null ? 'connection closed' : socketError.message
      this.#fail(new ShoalError('unavailable', `${this.#peerName()}: ${why}`))
    })
    const handshakeMsMax = this.#options.handshakeMsMax ?? limits.rpcHandshakeMsMax
    this.#stateTimer = this.#timers.after(handshakeMsMax, () => {
      const message = `${this.#peerName()}: no welcome within ${handshakeMsMax} ms`
      if (this.#link === link) this.#fail(new ShoalError('unavailable', message))
    })
  }

  #onData(link: Link, chunk: Buffer): void {
    if (this.#link !== link) return
    try {
      link.decoder.push(chunk)
      for (let frame = link.decoder.next(); frame !== null; frame = link.decoder.next()) {
        this.#onFrame(frame)
        if (this.#link !== link) return
      }
    } catch (error) {
      if (error instanceof AssertionError) throw error // our bug, not the peer's (R5)
      const failure =
        error instanceof ShoalError ? error : new ShoalError('protocol', String(error))
      this.#logger.warn('rpc peer sent a bad frame', { peer: this.#peerName(), error: failure })
      this.#fail(new ShoalError('protocol', `${this.#peerName()}: ${failure.message}`))
    }
  }

  #onFrame(frame: Frame): void {
    if (frame.kind === FrameKind.error && frame.requestId === 0) {
      const refusal = parseErrorBody(this.#codec.decode(frame.body))
      return this.#fail(new ShoalError(refusal.code, `${this.#peerName()}: ${refusal.message}`))
    }
    if (this.#state === 'connecting') return this.#onWelcome(frame)
    switch (frame.kind) {
      case FrameKind.response:
      case FrameKind.error:
        return this.#onAnswer(frame)
      case FrameKind.hello:
      case FrameKind.welcome:
      case FrameKind.request:
      case FrameKind.message:
        throw new ShoalError('protocol', `unexpected ${frameKindName(frame.kind)} frame`)
      default:
        return assertNever(frame.kind, 'frame kind the decoder should have refused')
    }
  }

  #onWelcome(frame: Frame): void {
    if (frame.kind !== FrameKind.welcome) {
      throw new ShoalError('protocol', `expected welcome, got ${frameKindName(frame.kind)}`)
    }
    const peer = parseHello(this.#codec.decode(frame.body))
    const mismatch = helloMismatch(this.#local, peer)
    if (mismatch !== null) throw new ShoalError('protocol', mismatch)
    const expected = this.#options.peerNodeId
    if (expected !== undefined && peer.nodeId !== expected) {
      throw new ShoalError('protocol', `expected node ${expected}, reached ${peer.nodeId}`)
    }
    this.#state = 'ready'
    this.#peerTraceContext = peer.traceContext === true
    this.#attempt = 0
    this.#lastFailure = null
    this.#stateTimer?.cancel()
    this.#stateTimer = null
    for (const pending of this.#pending.unwritten()) this.#write(pending)
  }

  #onAnswer(frame: Frame): void {
    const pending = this.#pending.take(frame.requestId)
    if (pending === undefined) {
      this.stats.answersLate++ // its deadline or abort came first
      return
    }
    if (frame.kind === FrameKind.response) {
      this.stats.responses++
      return pending.answer.resolve(this.#codec.decode(frame.body))
    }
    const remote = parseErrorBody(this.#codec.decode(frame.body))
    this.stats.remoteErrors++
    pending.answer.reject(remote)
  }

  /** The connection is gone (lost, refused or broken): fail what is pending, then back off. */
  #fail(failure: ShoalError): void {
    if (this.#state === 'closed') return
    this.stats.connectionFailures++
    this.#logger.debug('rpc connection failed', { peer: this.#peerName(), code: failure.code })
    this.#dropLink()
    this.#lastFailure = failure
    this.#rejectAll(failure)
    this.#stateTimer?.cancel()
    this.#state = 'backoff'
    this.#attempt++
    const delayMs = reconnectDelayMs(this.#attempt, this.#prng, {
      backoffMsMin: this.#options.backoffMsMin ?? limits.rpcReconnectBackoffMsMin,
      backoffMsMax: this.#options.backoffMsMax ?? limits.rpcReconnectBackoffMsMax,
    })
    this.#stateTimer = this.#timers.after(delayMs, () => {
      this.#stateTimer = null
      if (this.#state === 'backoff') this.#connect()
    })
  }

  #dropLink(): void {
    const link = this.#link
    if (link === null) return
    this.#link = null
    link.writer.close()
    link.socket.destroy()
  }

  #rejectAll(failure: ShoalError): void {
    for (const pending of this.#pending.takeAll()) {
      this.#count(failure)
      pending.answer.reject(failure)
    }
  }

  #count(failure: ShoalError): void {
    if (failure.code === 'unavailable') this.stats.unavailable++
    else if (failure.code === 'overloaded') this.stats.overloaded++
    else if (failure.code === 'deadline-exceeded') this.stats.deadlineExceeded++
    else if (failure.code === 'aborted') this.stats.aborted++
  }

  #peer(): { host: string; port: number; nodeId?: string } {
    const { host, port, peerNodeId } = this.#options
    return peerNodeId === undefined ? { host, port } : { host, port, nodeId: peerNodeId }
  }

  #peerName(): string {
    return this.#options.peerNodeId ?? `${this.#options.host}:${this.#options.port}`
  }
}
