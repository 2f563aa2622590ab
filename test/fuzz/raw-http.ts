/**
 * Raw HTTP/1.1 over a loopback socket, for the fuzz suites: requests are built as byte pieces
 * (so framing can be wrong on purpose: truncated or oversize chunked bodies, lying or broken
 * Content-Length, header junk), written with optional pauses between pieces (a slow client),
 * and the answer is whatever the server writes until it closes or a deadline passes. Plus the
 * fast-check arbitraries of such requests and the oracle every answer must satisfy.
 */
import { connect } from 'node:net'
import fc from 'fast-check'

export interface RawRequest {
  readonly method: string
  readonly path: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body: RawBody
  /** Pause before each body piece (a slow client), in ms. */
  readonly pauseMs: number
}

export type RawBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly bytes: number; readonly declared: number }
  | {
      readonly kind: 'chunked'
      readonly chunks: number
      readonly chunkBytes: number
      readonly truncated: boolean
    }
  | { readonly kind: 'bad-chunked'; readonly text: string }

export interface RawReply {
  /** 0 when the server closed without a status line (or the deadline passed first). */
  readonly status: number
  readonly head: string
  readonly closed: boolean
}

/** Body bytes the request actually carries (what a limit must count). */
export function bodyBytes(body: RawBody): number {
  if (body.kind === 'length') return body.bytes
  if (body.kind === 'chunked') return body.chunks * body.chunkBytes
  return 0
}

function pieces(request: RawRequest, token: string | null): Buffer[] {
  const lines = [
    `${request.method} ${request.path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
  ]
  if (token !== null) lines.push(`Authorization: Bearer ${token}`)
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`)
  const body = request.body
  if (body.kind === 'length') lines.push(`Content-Length: ${body.declared}`)
  if (body.kind === 'chunked' || body.kind === 'bad-chunked') {
    lines.push('Transfer-Encoding: chunked')
  }
  const out = [Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1')]
  if (body.kind === 'length') out.push(Buffer.alloc(body.bytes, 0x78))
  if (body.kind === 'bad-chunked') out.push(Buffer.from(body.text, 'latin1'))
  if (body.kind === 'chunked') {
    const size = body.chunkBytes.toString(16)
    for (let i = 0; i < body.chunks; i++) {
      out.push(Buffer.from(`${size}\r\n${'x'.repeat(body.chunkBytes)}\r\n`, 'latin1'))
    }
    if (!body.truncated) out.push(Buffer.from('0\r\n\r\n', 'latin1'))
  }
  return out
}

/**
 * Sends `request` and collects the reply head. A truncated body leaves the socket open (the
 * server must time it out); `deadlineMs` bounds the whole exchange.
 */
export function exchange(
  port: number,
  request: RawRequest,
  token: string | null,
  deadlineMs: number,
): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let text = ''
    let done = false
    const finish = (closed: boolean): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text)
      const end = text.indexOf('\r\n\r\n')
      resolve({
        status: match === null ? 0 : Number(match[1]),
        closed,
        head: end < 0 ? text.slice(0, 2_000) : text.slice(0, end),
      })
    }
    const timer = setTimeout(() => finish(false), deadlineMs)
    socket.setEncoding('latin1')
    socket.on('data', (data: string) => (text += data))
    socket.on('error', () => {}) // the server may reset while we still write
    socket.on('close', () => finish(true))
    void (async () => {
      for (const piece of pieces(request, token)) {
        if (socket.destroyed) return
        socket.write(piece)
        if (request.pauseMs > 0) await new Promise((r) => setTimeout(r, request.pauseMs))
      }
    })()
  })
}

export function header(head: string, name: string): string | null {
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)
  return match === null ? null : match[1]!.trim()
}

const segmentArb = fc.oneof(
  fc.constantFrom('v1', 'tables', 'fuzz', 'keys', 'sentinel', 'k', 'versions', 'items'),
  fc.constantFrom('multi-get', 'hotkeys', 'cluster', 'healthz', 'readyz', 'openapi.json'),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%ED%A0%80', '%FF', '%00', '%2F', '%2e%2e', '..', ''),
  fc.string({ maxLength: 10 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{0,12}$/),
)
const pathArb = fc
  .oneof(
    {
      weight: 3,
      arbitrary: fc.array(segmentArb, { minLength: 1, maxLength: 6 }).map((s) => `/${s.join('/')}`),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '/v1/tables/fuzz/keys/k',
        '/v1/tables/fuzz',
        '/v1/tables/fuzz/multi-get',
        '/v1/tables/fuzz/keys/k/versions',
        '/healthz',
        '/v1/tables',
        '/v1/tables/fuzz/keys/k%2Fx',
        '/v1/tables/fuzz/keys/caf%C3%A9',
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom('*', '//', '/v1//tables', '/%', 'http://x/v1') },
  )
  .chain((path) =>
    fc.constantFrom(
      path,
      `${path}?consistency=strong`,
      `${path}?limit=-1&x=%`,
      `${path}?asOf=1e99`,
    ),
  )

const headerArb = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      'Content-Type',
      'Accept',
      'If-Match',
      'If-None-Match',
      'X-Shoal-Deadline-Ms',
      'X-Shoal-Consistency',
      'X-Request-Id',
      'Expect',
      'traceparent',
    ),
    fc.stringMatching(/^[\x20-\x7e]{0,40}$/).map((v) => v.trim()),
  ),
  fc.tuple(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/),
    fc.stringMatching(/^[\x21-\x7e]{0,30}$/),
  ),
  fc.constant(['Content-Type', 'application/json'] as [string, string]),
  fc.constant(['If-Match', '"999"'] as [string, string]),
)

/** A chunked or sized body over `limitBytes` (the body limit must refuse it). */
export function oversizeBodyArb(limitBytes: number): fc.Arbitrary<RawBody> {
  return fc.oneof(
    fc.record({
      kind: fc.constant('chunked' as const),
      chunks: fc.integer({ min: 2, max: 8 }),
      chunkBytes: fc.constant(Math.ceil(limitBytes / 2) + 1),
      truncated: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('length' as const),
      bytes: fc.constant(limitBytes + 1),
      declared: fc.constant(limitBytes + 1),
    }),
  )
}

export function bodyArb(limitBytes: number): fc.Arbitrary<RawBody> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'none' } as RawBody) },
    {
      weight: 3,
      arbitrary: fc.integer({ min: 0, max: 300 }).chain((bytes) =>
        fc.record({
          kind: fc.constant('length' as const),
          bytes: fc.constant(bytes),
          declared: fc.constantFrom(bytes, bytes, Math.max(0, bytes - 7)),
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('chunked' as const),
        chunks: fc.integer({ min: 0, max: 3 }),
        chunkBytes: fc.integer({ min: 1, max: 64 }),
        truncated: fc.constant(false),
      }),
    },
    { weight: 2, arbitrary: oversizeBodyArb(limitBytes) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('bad-chunked' as const),
        text: fc.constantFrom(
          'zz\r\nabc\r\n0\r\n\r\n',
          '-1\r\n\r\n',
          'ffffffffffffffff1\r\n',
          '3\r\nabcdef\r\n0\r\n\r\n',
          '3;' + 'e'.repeat(5_000) + '\r\nabc\r\n0\r\n\r\n',
        ),
      }),
    },
  )
}

const methodArb = fc.constantFrom(
  'GET',
  'PUT',
  'POST',
  'DELETE',
  'PATCH',
  'HEAD',
  'OPTIONS',
  'PUT',
  'DELETE',
  'POST',
  'BREW',
  'get',
)

export function requestArb(limitBytes: number): fc.Arbitrary<RawRequest> {
  return fc.record({
    method: methodArb,
    path: pathArb,
    headers: fc.array(headerArb, { maxLength: 4 }),
    body: bodyArb(limitBytes),
    pauseMs: fc.constantFrom(0, 0, 0, 0, 5),
  })
}

/**
 * Node's own answers, written before the app runs (no problem+json): malformed framing (400),
 * timeouts (408), header size (431), an unsupported `Expect` (417), bad version (505).
 */
const parserStatuses = new Set([400, 408, 413, 414, 417, 431, 505])

/**
 * The oracle: never a 5xx other than 503/504; an answer the app wrote (it has a Content-Type)
 * with status >= 400 is problem+json; a body over the limit, sent with a valid token and not as
 * GET/HEAD, is refused (413, or another 4xx from a check that runs first), never served.
 * Returns a reason, or null when the reply is acceptable.
 */
export function violation(
  request: RawRequest,
  reply: RawReply,
  limitBytes: number,
  authorized: boolean,
): string | null {
  const s = reply.status
  if (s >= 500 && s !== 503 && s !== 504) return `status ${s}`
  const oversize = bodyBytes(request.body) > limitBytes
  const truncated = request.body.kind === 'chunked' && request.body.truncated
  if (s === 0 && !reply.closed && !truncated) return 'no answer before the deadline (a hang)'
  // A reset while the client still writes an oversize body may eat the 413; nothing else may.
  if (s === 0 && !oversize && !truncated && request.body.kind !== 'bad-chunked') {
    return 'connection closed without an answer'
  }
  const contentType = header(reply.head, 'content-type')
  if (s >= 400 && contentType !== null && !contentType.startsWith('application/problem+json')) {
    return `status ${s} with content-type ${contentType}`
  }
  if (s >= 400 && contentType === null && !parserStatuses.has(s) && request.method !== 'HEAD') {
    return `status ${s} without a problem+json body`
  }
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
  const reachesApp = authorized || !request.path.startsWith('/v1/')
  // Refused: no answer, or a 4xx that is not "not found" (auth and rate limit run first).
  const refused = s === 0 || (s >= 400 && s < 500 && s !== 404)
  if (oversize && hasBody && reachesApp && !refused) {
    return `a body of ${bodyBytes(request.body)} bytes over the limit ${limitBytes} got ${s}`
  }
  return null
}

/**
 * A slowloris: writes `head` one byte per 100 ms, then 'a' forever, until the server answers
 * and closes or `deadlineMs` passes; returns what came back and whether the server closed.
 */
export function trickleHead(
  port: number,
  head: string,
  deadlineMs: number,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let text = ''
    let sent = 0
    const drip = setInterval(() => {
      if (socket.destroyed) return
      socket.write(sent < head.length ? head[sent]! : 'a')
      sent++
    }, 100)
    const done = (closed: boolean): void => {
      clearInterval(drip)
      clearTimeout(giveUp)
      socket.destroy()
      resolve({ text, closed })
    }
    const giveUp = setTimeout(() => done(false), deadlineMs)
    socket.setEncoding('latin1')
    socket.on('data', (data: string) => (text += data))
    socket.on('error', () => {})
    socket.on('close', () => done(true))
  })
}

/** The edge fuzz suites' shared set-up: body limit, short server timeouts, reply deadline. */
export const fuzzLimits = {
  limitBytes: 1024,
  timeouts: {
    headersTimeoutMs: 1_500,
    requestTimeoutMs: 2_000,
    connectionsCheckingIntervalMs: 250,
  },
  replyDeadlineMs: 6_000,
} as const

/** One request through the socket, judged by `violation`; throws with the reason if broken. */
export async function judgedExchange(
  port: number,
  request: RawRequest,
  token: string | null,
  authorized: boolean,
): Promise<number> {
  const { limitBytes, replyDeadlineMs } = fuzzLimits
  const reply = await exchange(port, request, token, replyDeadlineMs)
  const reason = violation(request, reply, limitBytes, authorized)
  if (reason !== null) throw new Error(`${reason}\n${reply.head}`)
  return reply.status
}

/** A plain GET of `path`, no body, sent at once. */
export function plainGet(path: string): RawRequest {
  return { method: 'GET', path, headers: [], body: { kind: 'none' }, pauseMs: 0 }
}
