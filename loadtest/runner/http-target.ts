/**
 * The gateway's REST API as the load generator calls it: HTTP/1.1 over raw keep-alive
 * `node:net` sockets (one request in flight per connection, up to `sockets` connections, calls
 * beyond that wait in a queue), framed by ResponseParser. node:http's client costs about twice
 * a node:http server's CPU per request, which made the generator the ceiling of every run on
 * this 2-core machine; this client does only what a run needs. (Set-up uses the typed
 * ShoalClient; the hot loop uses this.) Each call resolves to an outcome and never rejects:
 * network failures and timeouts are outcomes too, so a run counts them instead of stopping.
 */
import { connect, type Socket } from 'node:net'
import { ResponseParser, type ParsedResponse } from './response-parser.ts'

/** Per-request timeout: a request slower than this is counted as 'timeout'. */
export const requestTimeoutMs = 10_000
/** How often the pool looks for requests past their timeout (one timer for all of them). */
const timeoutSweepMs = 250

export interface HttpOutcome {
  /** HTTP status, or 0 for a network error / timeout (see `failure`). */
  readonly status: number
  readonly failure: 'network' | 'timeout' | null
  /** X-Shoal-Coalesced: 'leader' | 'follower' | 'cache' (null when absent). */
  readonly role: string | null
  readonly etag: string | null
  readonly body: string
}

export interface HttpCall {
  readonly method: 'GET' | 'PUT' | 'POST'
  readonly path: string
  readonly headers?: Record<string, string>
  readonly body?: string | Uint8Array
  /** Keep the response body (otherwise it is framed and dropped). */
  readonly keepBody?: boolean
}

interface Waiting {
  readonly call: HttpCall
  readonly resolve: (outcome: HttpOutcome) => void
}

function failed(failure: 'network' | 'timeout'): HttpOutcome {
  return { status: 0, failure, role: null, etag: null, body: '' }
}

function outcomeOf(response: ParsedResponse, keepBody: boolean): HttpOutcome {
  return {
    status: response.status,
    failure: null,
    role: response.role,
    etag: response.etag,
    body: keepBody ? response.body.toString('utf8') : '',
  }
}

/** One keep-alive connection with at most one request in flight. */
class Connection {
  readonly #socket: Socket
  readonly #parser = new ResponseParser()
  #current: { keepBody: boolean; resolve: (outcome: HttpOutcome) => void } | null = null
  #onDone: (connection: Connection, reusable: boolean) => void
  startedMs = 0
  alive = true

  constructor(
    host: string,
    port: number,
    onDone: (connection: Connection, reusable: boolean) => void,
  ) {
    this.#onDone = onDone
    this.#socket = connect({ host, port, noDelay: true })
    this.#socket.on('data', (chunk: Buffer) => this.#data(chunk))
    this.#socket.on('end', () => this.#gone(this.#parser.end()))
    this.#socket.on('close', () => this.#gone(null))
    this.#socket.on('error', () => this.#gone(null))
  }

  get busy(): boolean {
    return this.#current !== null
  }

  send(head: string, body: Uint8Array | null, keepBody: boolean, resolve: Waiting['resolve']) {
    this.#current = { keepBody, resolve }
    this.startedMs = Date.now()
    this.#parser.expect({ keepBody, headOnly: false })
    if (body === null) this.#socket.write(head, 'latin1')
    else {
      this.#socket.cork()
      this.#socket.write(head, 'latin1')
      this.#socket.write(body)
      this.#socket.uncork()
    }
  }

  timeOut(): void {
    this.#fail('timeout')
  }

  destroy(): void {
    this.alive = false
    this.#socket.destroy()
  }

  #data(chunk: Buffer): void {
    if (this.#current === null) return this.destroy() // bytes nobody asked for
    let response: ParsedResponse | null
    try {
      response = this.#parser.feed(chunk)
    } catch {
      return this.#fail('network')
    }
    if (response === null) return
    const current = this.#current
    this.#current = null
    if (response.close) this.destroy()
    current.resolve(outcomeOf(response, current.keepBody))
    this.#onDone(this, this.alive)
  }

  #gone(response: ParsedResponse | null): void {
    const current = this.#current
    this.#current = null
    const wasAlive = this.alive
    this.destroy()
    if (current !== null) {
      current.resolve(response === null ? failed('network') : outcomeOf(response, current.keepBody))
    }
    if (wasAlive || current !== null) this.#onDone(this, false)
  }

  #fail(failure: 'network' | 'timeout'): void {
    const current = this.#current
    this.#current = null
    const wasAlive = this.alive
    this.destroy()
    current?.resolve(failed(failure))
    if (wasAlive) this.#onDone(this, false)
  }
}

export class HttpTarget {
  readonly #host: string
  readonly #port: number
  readonly #hostHeader: string
  readonly #socketsMax: number
  readonly #idle: Connection[] = []
  readonly #all = new Set<Connection>()
  readonly #queue: Waiting[] = []
  readonly #sweep: NodeJS.Timeout
  readonly #done = (connection: Connection, reusable: boolean): void =>
    this.#release(connection, reusable)

  constructor(baseUrl: string, options: { sockets: number }) {
    const url = new URL(baseUrl)
    if (url.protocol !== 'http:') throw new Error(`only http:// targets, got ${baseUrl}`)
    if (!(options.sockets >= 1)) throw new Error(`sockets must be >= 1, got ${options.sockets}`)
    this.#host = url.hostname
    this.#port = Number(url.port === '' ? 80 : url.port)
    this.#hostHeader = url.host
    this.#socketsMax = options.sockets
    this.#sweep = setInterval(() => this.#timeOutSlow(), timeoutSweepMs)
    this.#sweep.unref()
  }

  call(call: HttpCall): Promise<HttpOutcome> {
    return new Promise((resolve) => {
      const connection = this.#take()
      if (connection === null) this.#queue.push({ call, resolve })
      else this.#send(connection, call, resolve)
    })
  }

  close(): void {
    clearInterval(this.#sweep)
    for (const connection of this.#all) connection.destroy()
    this.#all.clear()
    this.#idle.length = 0
    for (const waiting of this.#queue.splice(0)) waiting.resolve(failed('network'))
  }

  #take(): Connection | null {
    const idle = this.#idle.pop()
    if (idle !== undefined) return idle
    if (this.#all.size >= this.#socketsMax) return null
    const connection = new Connection(this.#host, this.#port, this.#done)
    this.#all.add(connection)
    return connection
  }

  #send(connection: Connection, call: HttpCall, resolve: Waiting['resolve']): void {
    let head = `${call.method} ${call.path} HTTP/1.1\r\nhost: ${this.#hostHeader}\r\n`
    for (const name in call.headers) head += `${name}: ${call.headers[name]}\r\n`
    const body =
      call.body === undefined
        ? null
        : typeof call.body === 'string'
          ? Buffer.from(call.body, 'utf8')
          : call.body
    if (body !== null || call.method !== 'GET') head += `content-length: ${body?.length ?? 0}\r\n`
    connection.send(head + '\r\n', body, call.keepBody === true, resolve)
  }

  #release(connection: Connection, reusable: boolean): void {
    if (!reusable) {
      this.#all.delete(connection)
      const index = this.#idle.indexOf(connection) // an idle connection the server closed
      if (index >= 0) this.#idle.splice(index, 1)
    }
    const next = this.#queue.shift()
    if (next === undefined) {
      if (reusable) this.#idle.push(connection)
      return
    }
    const target = reusable ? connection : this.#take()
    if (target === null) this.#queue.unshift(next)
    else this.#send(target, next.call, next.resolve)
  }

  #timeOutSlow(): void {
    const oldestMs = Date.now() - requestTimeoutMs
    for (const connection of this.#all) {
      if (connection.busy && connection.startedMs < oldestMs) connection.timeOut()
    }
  }
}
