/**
 * Recognises the one request shape the raw edge answers itself: an HTTP/1.1 `GET` with an
 * origin-form target, exactly one Host header and nothing that changes how it is read. It is a
 * recogniser, not an HTTP parser: anything else (another method or version, a body's framing
 * headers, Expect or Upgrade, a second X-Request-Id or Connection, bare LF line ends, obs-fold,
 * bytes outside visible ASCII, a head over the size limit) is `other`, and the connection goes
 * to node:http, whose strict parser gives it the standard answer (400, 431, ...). So a request
 * is answered here only when node:http would have read it the same way.
 *
 * Pure: bytes in, a verdict out.
 */

export type RequestHead =
  /** The head is not complete yet (and still under the limit). */
  | { readonly kind: 'incomplete' }
  /** Not the fast shape: node:http must read this request. */
  | { readonly kind: 'other' }
  | {
      readonly kind: 'get'
      /** The request target as sent (node's `IncomingMessage.url`). */
      readonly url: string
      /** The X-Request-Id value, if sent once. */
      readonly requestId: string | undefined
      /** `Connection: close` was asked: answer, then close. */
      readonly close: boolean
      /** Offset just past the head's empty line (a GET with no framing headers has no body). */
      readonly end: number
    }

const incomplete: RequestHead = { kind: 'incomplete' }
const other: RequestHead = { kind: 'other' }

const CR = 13
const LF = 10
const getPrefix = Buffer.from('GET /', 'latin1')
const versionSuffix = Buffer.from(' HTTP/1.1\r\n', 'latin1')

/** Headers whose presence sends the request to node:http (framing, semantics the app owns). */
const declined = new Set([
  'content-length',
  'transfer-encoding',
  'expect',
  'upgrade',
  'if-none-match',
  'x-shoal-timeout-ms',
])

/** RFC 9110 tchar, as a byte table. */
const tchar = new Uint8Array(256)
for (const c of "!#$%&'*+-.^_`|~") tchar[c.charCodeAt(0)] = 1
for (let b = 0x30; b <= 0x39; b++) tchar[b] = 1
for (let b = 0x41; b <= 0x5a; b++) tchar[b] = 1
for (let b = 0x61; b <= 0x7a; b++) tchar[b] = 1

/**
 * Reads one request head starting at `from`. `limitBytes` bounds the head (node:http's
 * maxHeaderSize counts the same bytes); past it without an end the request is `other`.
 */
export function recogniseHead(buf: Buffer, from: number, limitBytes: number): RequestHead {
  const available = buf.length - from
  const prefixBytes = Math.min(available, getPrefix.length)
  if (buf.compare(getPrefix, 0, prefixBytes, from, from + prefixBytes) !== 0) return other
  const lineEnd = buf.indexOf(LF, from)
  if (lineEnd < 0) return available > limitBytes ? other : incomplete
  const urlEnd = lineEnd + 1 - versionSuffix.length
  if (urlEnd <= from + 4) return other
  if (buf.compare(versionSuffix, 0, versionSuffix.length, urlEnd, lineEnd + 1) !== 0) return other
  for (let i = from + 4; i < urlEnd; i++) {
    const b = buf[i]!
    if (b <= 0x20 || b >= 0x7f) return other
  }
  const fields = readFields(buf, lineEnd + 1)
  if (fields === null) return available > limitBytes ? other : incomplete
  if (fields === false || fields.end - from > limitBytes || fields.hosts !== 1) return other
  return {
    kind: 'get',
    url: buf.toString('latin1', from + 4, urlEnd),
    requestId: fields.requestId,
    close: fields.close,
    end: fields.end,
  }
}

interface Fields {
  readonly end: number
  readonly hosts: number
  readonly requestId: string | undefined
  readonly close: boolean
}

/** The header lines from `start` to the empty line; null while incomplete, false if not ours. */
function readFields(buf: Buffer, start: number): Fields | false | null {
  let hosts = 0
  let requestId: string | undefined
  let close = false
  let connections = 0
  let at = start
  for (;;) {
    const lf = buf.indexOf(LF, at)
    if (lf < 0) return null
    if (lf === at || buf[lf - 1] !== CR) return false // bare LF
    if (lf === at + 1) return { end: lf + 1, hosts, requestId, close }
    const colon = fieldName(buf, at, lf - 1)
    if (colon < 0) return false
    const name = buf.toString('latin1', at, colon).toLowerCase()
    const value = fieldValue(buf, colon + 1, lf - 1)
    if (value === null || declined.has(name)) return false
    if (name === 'host') hosts++
    else if (name === 'x-request-id') {
      if (requestId !== undefined) return false
      requestId = value
    } else if (name === 'connection') {
      if (connections++ > 0) return false
      const token = value.toLowerCase()
      if (token === 'close') close = true
      else if (token !== 'keep-alive') return false
    }
    at = lf + 1
  }
}

/** The offset of the colon after a non-empty token name, or -1. */
function fieldName(buf: Buffer, start: number, end: number): number {
  let i = start
  while (i < end && tchar[buf[i]!] === 1) i++
  return i > start && i < end && buf[i] === 0x3a ? i : -1
}

/** The value between optional whitespace: visible ASCII, spaces and tabs only; null if not. */
function fieldValue(buf: Buffer, start: number, end: number): string | null {
  let first = start
  while (first < end && (buf[first] === 0x20 || buf[first] === 0x09)) first++
  let last = end
  while (last > first && (buf[last - 1] === 0x20 || buf[last - 1] === 0x09)) last--
  for (let i = first; i < last; i++) {
    const b = buf[i]!
    if ((b < 0x20 && b !== 0x09) || b >= 0x7f) return null
  }
  return buf.toString('latin1', first, last)
}
