/**
 * The raw edge: the gateway's connections are read here first, and item reads the fast path
 * serves are answered straight on the socket, without node:http's parser, IncomingMessage and
 * ServerResponse (a hello-world costs ~10 µs of CPU this way against ~13–14 µs through
 * node:http on this machine). The first request it does not answer itself (another route or
 * method, a body, a head it does not recognise: request-head.ts) hands the whole connection to
 * node:http, with the bytes read so far put back, for good; node:http then parses, times out
 * and answers everything on it exactly as if it had accepted the connection.
 *
 * One request at a time per connection: a pipelined request waits, read but unparsed, until
 * the one before is answered, so answers keep request order and a hand-off happens only
 * between answers. Limits match node:http's: the head size (maxHeaderSize), the keep-alive
 * timeout, and the requests per socket (the last one is answered with Connection: close). A
 * head still incomplete after two reads goes to node:http, whose headers timeout then guards
 * against a slow client.
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { assert } from '../../shared/assert.ts'
import type { FastResponse } from '../fast-path/item-read.ts'
import { recogniseHead } from './request-head.ts'
import { headText, RawResponse, type ResponseHeads, type ResponseSink } from './raw-response.ts'

export interface RawEdgeOptions {
  /** Answers a recognised GET (or returns false having written nothing): the fast path. */
  readonly serve: (url: string, requestId: string | undefined, response: FastResponse) => boolean
  readonly headerBytesMax: number
  readonly keepAliveTimeoutMs: number
  readonly requestsPerSocketMax: number
  /** Wall-clock milliseconds, for the Date header. */
  readonly wallMs: () => number
}

export class RawEdge implements ResponseHeads {
  readonly #options: RawEdgeOptions
  readonly #connections = new Set<RawConnection>()
  readonly #keepAliveTrailer: string
  #dateLine: string | null = null
  readonly #keepAliveLines: string
  /** Serialized shared heads by header list (FastResponse.answerShared), with their Date. */
  readonly #sharedHeads = new WeakMap<
    readonly string[],
    { readonly status: number; readonly date: string; readonly bytes: Buffer }
  >()
  readonly stats = { answered: 0, handedOff: 0 }

  constructor(options: RawEdgeOptions) {
    this.#options = options
    const seconds = Math.floor(options.keepAliveTimeoutMs / 1000)
    this.#keepAliveLines = `Connection: keep-alive\r\nKeep-Alive: timeout=${seconds}\r\n`
    this.#keepAliveTrailer = `${this.#keepAliveLines}\r\n`
  }

  /** The Date header line, read from the clock once per second (as node:http caches it). */
  dateLine(): string {
    return this.#dateLine ?? this.#freshDate()
  }

  #freshDate(): string {
    const ms = this.#options.wallMs()
    const line = `Date: ${new Date(ms).toUTCString()}\r\n`
    this.#dateLine = line
    setTimeout(() => (this.#dateLine = null), 1_000 - (ms % 1_000)).unref()
    return line
  }

  get options(): RawEdgeOptions {
    return this.#options
  }

  trailer(close: boolean): string {
    return close ? 'Connection: close\r\n\r\n' : this.#keepAliveTrailer
  }

  sharedHead(status: number, fixed: readonly string[]): Buffer {
    const date = this.dateLine()
    const known = this.#sharedHeads.get(fixed)
    if (known !== undefined && known.date === date && known.status === status) return known.bytes
    const bytes = Buffer.from(headText(status, fixed) + date + this.#keepAliveLines, 'latin1')
    this.#sharedHeads.set(fixed, { status, date, bytes })
    return bytes
  }

  /** Takes a new connection; `handOff` gives it to node:http. */
  accept(socket: Socket, handOff: (socket: Socket) => void): void {
    const connection = new RawConnection(this, socket, handOff)
    this.#connections.add(connection)
  }

  /** Connections still read here (not handed off). */
  get connections(): number {
    return this.#connections.size
  }

  forget(connection: RawConnection): void {
    this.#connections.delete(connection)
  }

  /** Destroys every connection still read here (shutdown; node:http closes its own). */
  closeAll(): void {
    for (const connection of this.#connections) connection.destroy()
    this.#connections.clear()
  }
}

/**
 * Routes a node:http server's new connections through the edge. node:http's own connection
 * listener (the one its constructor adds) becomes the hand-off; the server still listens,
 * tracks handed-off connections and enforces maxConnections as before.
 */
export function installRawEdge(server: Server, edge: RawEdge): void {
  const listeners = server.listeners('connection') as ((socket: Socket) => void)[]
  assert(listeners.length === 1, 'node:http has exactly its own connection listener')
  const nodeListener = listeners[0]!
  server.removeListener('connection', nodeListener)
  const handOff = (socket: Socket): void => nodeListener.call(server, socket)
  server.on('connection', (socket: Socket) => edge.accept(socket, handOff))
}

class RawConnection implements ResponseSink {
  #buffered: Buffer | null = null
  /** A buffered head was incomplete after a read: the next incomplete one goes to node:http. */
  #waitedOnce = false
  #current: RawResponse | null = null
  #served = 0
  #draining = false
  #peerEnded = false
  #released = false

  readonly #onData = (chunk: Buffer): void => this.#received(chunk)
  readonly #onTimeout = (): void => this.#idle()
  readonly #onEnd = (): void => this.#peerEnd()
  readonly #onClose = (): void => this.#closed()
  readonly #onError = (): void => this.destroy()
  readonly #onDrain = (): void => {
    this.socket.resume()
    this.#drain()
  }

  constructor(
    readonly edge: RawEdge,
    readonly socket: Socket,
    readonly handOff: (socket: Socket) => void,
  ) {
    socket.setNoDelay(true)
    socket.setTimeout(edge.options.keepAliveTimeoutMs)
    socket.on('data', this.#onData)
    socket.on('timeout', this.#onTimeout)
    socket.on('end', this.#onEnd)
    socket.on('close', this.#onClose)
    socket.on('error', this.#onError)
    socket.on('drain', this.#onDrain)
  }

  get gone(): boolean {
    return this.socket.destroyed || !this.socket.writable
  }

  destroy(): void {
    this.socket.destroy()
  }

  finish(response: RawResponse, bytes: Buffer, body: Buffer | null): void {
    if (response !== this.#current) return
    this.#current = null
    this.#served++
    this.edge.stats.answered++
    const close = response.close
    if (!this.gone) {
      if (body === null) this.socket.write(bytes)
      else {
        this.socket.cork()
        this.socket.write(bytes)
        this.socket.write(body)
        this.socket.uncork()
      }
      if (close) this.socket.end()
    }
    response.closed()
    if (!close && !this.#draining) {
      this.socket.resume()
      this.#drain()
    }
  }

  #received(chunk: Buffer): void {
    const buffered = this.#buffered
    this.#buffered = buffered === null ? chunk : Buffer.concat([buffered, chunk])
    if (this.#current !== null)
      this.socket.pause() // pipelined: parsed after this answer
    else this.#drain()
  }

  /** Answers buffered requests until one is pending, the bytes run out or node:http takes over. */
  #drain(): void {
    if (this.#draining || this.#released) return
    this.#draining = true
    try {
      while (this.#current === null && this.#buffered !== null && !this.gone) {
        if (this.socket.writableNeedDrain) {
          // A client that sends but does not read: read no more until its answers drain.
          this.socket.pause()
          return
        }
        if (!this.#next(this.#buffered)) return
      }
    } finally {
      this.#draining = false
      const idle = this.#current === null && this.#buffered === null
      if (idle && this.#peerEnded && !this.#released) this.socket.end()
    }
  }

  /** Handles the request at the start of `buffered`; false when nothing more can be done now. */
  #next(buffered: Buffer): boolean {
    const options = this.edge.options
    const head = recogniseHead(buffered, 0, options.headerBytesMax)
    if (head.kind === 'incomplete') {
      if (this.#waitedOnce) this.#release()
      this.#waitedOnce = true
      return false
    }
    if (head.kind === 'other') {
      this.#release()
      return false
    }
    this.#waitedOnce = false
    const close = head.close || this.#served + 1 >= options.requestsPerSocketMax
    const response = new RawResponse(this, close, this.edge)
    this.#current = response
    if (!options.serve(head.url, head.requestId, response)) {
      this.#current = null
      this.#release()
      return false
    }
    this.#buffered = head.end === buffered.length ? null : buffered.subarray(head.end)
    return true
  }

  #idle(): void {
    if (this.#current !== null) return // a read in progress ends at its deadline
    if (this.#buffered !== null)
      this.#release() // node:http's headers timeout takes it
    else this.destroy()
  }

  #peerEnd(): void {
    this.#peerEnded = true
    // A head cut short by the client's FIN can never complete: nothing to answer.
    if (this.#current === null) this.socket.end()
  }

  #closed(): void {
    this.edge.forget(this)
    const current = this.#current
    this.#current = null
    current?.closed()
  }

  /** Gives the connection, and the bytes read but not answered, to node:http for good. */
  #release(): void {
    assert(this.#current === null, 'a connection is handed off only between answers')
    this.#released = true
    const socket = this.socket
    socket.pause()
    socket.off('data', this.#onData)
    socket.off('timeout', this.#onTimeout)
    socket.off('end', this.#onEnd)
    socket.off('close', this.#onClose)
    socket.off('error', this.#onError)
    socket.off('drain', this.#onDrain)
    socket.setTimeout(0)
    this.edge.forget(this)
    this.edge.stats.handedOff++
    if (this.#buffered !== null) socket.unshift(this.#buffered)
    this.#buffered = null
    this.handOff(socket)
    socket.resume()
  }
}
