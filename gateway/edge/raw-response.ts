/**
 * The raw edge's response to one request: the part of node's ServerResponse the fast path
 * uses (writeHead with a flat header list, end, destroyed, 'close'), written straight to the
 * socket as one buffer. It adds what node:http adds to every answer (Date, Connection,
 * Keep-Alive), so a client sees the same head from either edge. The headers given must include
 * Content-Length (every fast-path answer's do): there is no chunked encoding here.
 */
import { STATUS_CODES } from 'node:http'
import type { FastResponse } from '../fast-path/item-read.ts'
import { requestIdHeader } from '../middleware/request-context.ts'

/** The connection side a response writes through (raw-edge.ts). */
export interface ResponseSink {
  /** True once the socket cannot take an answer (closed or destroyed). */
  readonly gone: boolean
  finish(response: RawResponse, bytes: Buffer, body: Buffer | null): void
}

/** The parts of every head the edge keeps ready (raw-edge.ts). */
export interface ResponseHeads {
  /** `Date: ...\r\n` for now. */
  dateLine(): string
  /** Connection and Keep-Alive lines, then the empty line. */
  trailer(close: boolean): string
  /**
   * A kept-alive answer's head up to (not including) X-Request-Id and the empty line, for a
   * header list that never changes: serialized once (and again when the Date moves on).
   */
  sharedHead(status: number, fixed: readonly string[]): Buffer
}

/** The status line and the given headers, as node:http writes them from a flat list. */
export function headText(status: number, headers: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`
  for (let i = 0; i + 1 < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`
  return head
}

/** Bodies up to this size are copied behind the head (one write); larger ones go as a second. */
const copyBodyBytesMax = 16 * 1024

export class RawResponse implements FastResponse {
  #head: string | null = null
  #ended = false
  #closeListeners: (() => void)[] | null = null

  constructor(
    readonly sink: ResponseSink,
    /** Connection: close is answered (then the connection ends). */
    readonly close: boolean,
    readonly heads: ResponseHeads,
  ) {}

  get destroyed(): boolean {
    return this.sink.gone
  }

  writeHead(status: number, headers: readonly string[]): this {
    this.#head = headText(status, headers) + this.heads.dateLine() + this.heads.trailer(this.close)
    return this
  }

  end(body: Buffer | string): this {
    if (this.#ended) return this
    this.#ended = true
    const head = this.#head ?? this.writeHead(200, []).#head!
    const data = typeof body === 'string' ? Buffer.from(body) : body
    if (data.length > copyBodyBytesMax) {
      this.sink.finish(this, Buffer.from(head, 'latin1'), data)
      return this
    }
    const bytes = Buffer.allocUnsafe(head.length + data.length)
    bytes.write(head, 0, 'latin1')
    data.copy(bytes, head.length)
    this.sink.finish(this, bytes, null)
    return this
  }

  answerShared(status: number, fixed: readonly string[], requestId: string, body: Buffer): void {
    if (this.#ended) return
    if (this.close || body.length > copyBodyBytesMax) {
      this.writeHead(status, [...fixed, requestIdHeader, requestId])
      this.end(body)
      return
    }
    this.#ended = true
    const prefix = this.heads.sharedHead(status, fixed)
    const last = `${requestIdHeader}: ${requestId}\r\n\r\n`
    const bytes = Buffer.allocUnsafe(prefix.length + last.length + body.length)
    prefix.copy(bytes, 0)
    bytes.write(last, prefix.length, 'latin1')
    body.copy(bytes, prefix.length + last.length)
    this.sink.finish(this, bytes, null)
  }

  on(_event: 'close', listener: () => void): this {
    ;(this.#closeListeners ??= []).push(listener)
    return this
  }

  once(event: 'close', listener: () => void): this {
    const once = Object.assign(
      (): void => {
        this.off(event, once)
        listener.call(this)
      },
      { listener },
    )
    return this.on(event, once)
  }

  /** Removes `listener`, or the `once` wrapper made for it (as EventEmitter does). */
  off(_event: 'close', listener: () => void): this {
    const listeners = this.#closeListeners
    if (listeners === null) return this
    const at = listeners.findIndex(
      (known) => known === listener || (known as { listener?: unknown }).listener === listener,
    )
    if (at >= 0) listeners.splice(at, 1)
    return this
  }

  /** The connection closed (answered or not): listeners run once, as node's 'close' does. */
  closed(): void {
    const listeners = this.#closeListeners
    this.#closeListeners = null
    if (listeners !== null) for (const listener of listeners.slice()) listener.call(this)
  }
}
