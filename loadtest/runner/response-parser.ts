/**
 * ResponseParser: the HTTP/1.1 response framing the load generator needs, with no I/O (bytes
 * in, responses out). One request is in flight per connection, so a parser frames one response
 * at a time: the status line, the few headers a run reads (Content-Length, Transfer-Encoding,
 * Connection, ETag, X-Shoal-Coalesced), then a body by Content-Length, chunked coding, or up
 * to the connection's end. The body is kept only when asked (a CAS read needs it).
 *
 * Why not node:http's client: with 256 keep-alive connections it costs about twice the CPU of
 * a node:http server per request (measured: 97% of a core for 17.6k req/s against a
 * hello-world using 40-47% of the other), so the generator, not the server, was the ceiling.
 */

export interface ParsedResponse {
  readonly status: number
  readonly role: string | null
  readonly etag: string | null
  /** The body bytes when kept, else empty. */
  readonly body: Buffer
  /** The server said `Connection: close` (or framed the body by closing). */
  readonly close: boolean
}

/** A response head longer than this is malformed (ours are a few hundred bytes). */
export const responseHeadBytesMax = 64 * 1024

type BodyMode =
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked'; remaining: number; done: boolean }
  | { kind: 'until-close' }

interface Head {
  readonly status: number
  readonly role: string | null
  readonly etag: string | null
  readonly close: boolean
}

const crlf = Buffer.from('\r\n')
const headEnd = Buffer.from('\r\n\r\n')
const noBody = Buffer.alloc(0)

export class ResponseParseError extends Error {}

export class ResponseParser {
  #pending: Buffer = noBody
  #head: Head | null = null
  #mode: BodyMode | null = null
  #parts: Buffer[] = []
  #keepBody = false
  #headOnly = false

  /** Starts framing the response to the next request (call before its bytes arrive). */
  expect(options: { keepBody: boolean; headOnly: boolean }): void {
    this.#pending = noBody
    this.#head = null
    this.#mode = null
    this.#parts = []
    this.#keepBody = options.keepBody
    this.#headOnly = options.headOnly
  }

  /** Feeds bytes; returns the response once complete, else null. Throws on bad framing. */
  feed(chunk: Buffer): ParsedResponse | null {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    if (this.#head === null && !this.#parseHead()) return null
    return this.#parseBody()
  }

  /** The connection ended: the response when its body ran to the end, else null. */
  end(): ParsedResponse | null {
    if (this.#head === null || this.#mode?.kind !== 'until-close') return null
    this.#keep(this.#pending)
    this.#pending = noBody
    return this.#finish(true)
  }

  #parseHead(): boolean {
    const end = this.#pending.indexOf(headEnd)
    if (end < 0) {
      if (this.#pending.length > responseHeadBytesMax) throw new ResponseParseError('long head')
      return false
    }
    const lines = this.#pending.toString('latin1', 0, end).split('\r\n')
    this.#pending = this.#pending.subarray(end + 4)
    const status = Number((lines[0] ?? '').slice(9, 12))
    if (!(lines[0] ?? '').startsWith('HTTP/1.') || !Number.isInteger(status) || status < 200) {
      throw new ResponseParseError(`bad status line ${JSON.stringify(lines[0])}`)
    }
    let length: number | null = null
    let chunked = false
    let role: string | null = null
    let etag: string | null = null
    let close = false
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index] as string
      const colon = line.indexOf(':')
      if (colon < 0) throw new ResponseParseError('a header line without a colon')
      const name = line.slice(0, colon).toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (name === 'content-length') length = Number(value)
      else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked')
      else if (name === 'connection') close = value.toLowerCase() === 'close'
      else if (name === 'x-shoal-coalesced') role = value
      else if (name === 'etag') etag = value
    }
    this.#head = { status, role, etag, close }
    const bodiless = this.#headOnly || status === 204 || status === 304
    if (bodiless) this.#mode = { kind: 'length', remaining: 0 }
    else if (chunked) this.#mode = { kind: 'chunked', remaining: 0, done: false }
    else if (length !== null) {
      if (!Number.isSafeInteger(length) || length < 0) throw new ResponseParseError('bad length')
      this.#mode = { kind: 'length', remaining: length }
    } else this.#mode = { kind: 'until-close' }
    return true
  }

  #parseBody(): ParsedResponse | null {
    const mode = this.#mode
    if (mode === null || mode.kind === 'until-close') return null
    if (mode.kind === 'length') {
      const taken = Math.min(mode.remaining, this.#pending.length)
      this.#keep(this.#pending.subarray(0, taken))
      this.#pending = this.#pending.subarray(taken)
      mode.remaining -= taken
      return mode.remaining === 0 ? this.#finish(false) : null
    }
    return this.#parseChunks(mode) ? this.#finish(false) : null
  }

  /** Consumes chunked coding; true once the last chunk and its trailer section are read. */
  #parseChunks(mode: { remaining: number; done: boolean }): boolean {
    for (;;) {
      if (mode.remaining > 0) {
        // Chunk data, then its CRLF (counted in `remaining`, dropped from the body).
        const taken = Math.min(mode.remaining, this.#pending.length)
        const dataLeft = Math.max(0, mode.remaining - 2)
        this.#keep(this.#pending.subarray(0, Math.min(taken, dataLeft)))
        this.#pending = this.#pending.subarray(taken)
        mode.remaining -= taken
        if (mode.remaining > 0) return false
      }
      const eol = this.#pending.indexOf(crlf)
      if (eol < 0) return false
      const line = this.#pending.toString('latin1', 0, eol)
      this.#pending = this.#pending.subarray(eol + 2)
      if (mode.done) {
        if (line === '') return true // the end of the trailer section
        continue // a trailer field: ignored
      }
      const size = parseInt(line, 16)
      if (!Number.isSafeInteger(size) || size < 0) throw new ResponseParseError('bad chunk size')
      if (size === 0) mode.done = true
      else mode.remaining = size + 2
    }
  }

  #keep(bytes: Buffer): void {
    if (this.#keepBody && bytes.length > 0) this.#parts.push(bytes)
  }

  #finish(closed: boolean): ParsedResponse {
    const head = this.#head as Head
    const body =
      this.#parts.length === 0
        ? noBody
        : this.#parts.length === 1
          ? (this.#parts[0] as Buffer)
          : Buffer.concat(this.#parts)
    this.#head = null
    this.#mode = null
    this.#parts = []
    return {
      status: head.status,
      role: head.role,
      etag: head.etag,
      body,
      close: head.close || closed,
    }
  }
}
