// Goal: the raw edge answers a request only when node:http would have read it the same way.
// Method: fixed cases for each refusal, then fast-check heads (methods, targets, versions, header
// names and values with odd bytes, bare LFs, duplicates) judged by the recogniser and by a real
// node:http server with the gateway's options: whenever the recogniser says `get`, node:http
// must answer that request with the same method, target, X-Request-Id and Connection; every
// strict prefix of such a head must be `incomplete`.
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpServerOptions } from '../middleware/http-server-options.ts'
import { recogniseHead } from './request-head.ts'

const limit = 16 * 1024
const recognise = (text: string) => recogniseHead(Buffer.from(text, 'latin1'), 0, limit)

describe('recogniseHead: fixed cases', () => {
  it('recogniseHead: a plain GET with Host and X-Request-Id: get, up to the empty line', () => {
    const head = 'GET /v1/tables/t/keys/k?consistency=strong HTTP/1.1\r\n'
    const text = `${head}Host: a\r\nX-Request-Id: r-1\r\n\r\nGET /next`
    expect(recognise(text)).toEqual({
      kind: 'get',
      url: '/v1/tables/t/keys/k?consistency=strong',
      requestId: 'r-1',
      close: false,
      end: text.indexOf('GET /next'),
    })
  })

  it('recogniseHead: Connection close is kept, keep-alive is plain, others are refused', () => {
    const base = 'GET / HTTP/1.1\r\nhost: a\r\n'
    expect(recognise(`${base}Connection: Close\r\n\r\n`)).toMatchObject({ close: true })
    expect(recognise(`${base}connection: keep-alive\r\n\r\n`)).toMatchObject({ close: false })
    expect(recognise(`${base}Connection: upgrade\r\n\r\n`).kind).toBe('other')
  })

  it('recogniseHead: incomplete until the empty line, at any cut', () => {
    const text = 'GET /x HTTP/1.1\r\nHost: a\r\n\r\n'
    for (let cut = 0; cut < text.length; cut++) {
      expect(recognise(text.slice(0, cut)).kind).toBe('incomplete')
    }
    expect(recognise(text).kind).toBe('get')
  })

  it('recogniseHead: everything node:http must read instead is other', () => {
    const cases = [
      'POST /x HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /x HTTP/1.0\r\nHost: a\r\n\r\n',
      'GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /x HTTP/1.1\r\n\r\n', // no Host
      'GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nIf-None-Match: "1"\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nX-Shoal-Timeout-Ms: 5\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\nX-Request-Id: 1\r\nX-Request-Id: 2\r\n\r\n',
      'GET /x HTTP/1.1\nHost: a\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n',
      'GET /x HTTP/1.1\r\nBad Name: a\r\nHost: a\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a\x01\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: \xe9\r\n\r\n',
      'GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /x  HTTP/1.1\r\nHost: a\r\n\r\n',
    ]
    for (const text of cases)
      expect({ text, kind: recognise(text).kind }).toEqual({ text, kind: 'other' })
  })

  it('recogniseHead: a head over the limit is other, complete or not', () => {
    const long = `GET /x HTTP/1.1\r\nHost: a\r\nX-Pad: ${'p'.repeat(200)}`
    expect(recogniseHead(Buffer.from(long), 0, 100).kind).toBe('other')
    expect(recogniseHead(Buffer.from(`${long}\r\n\r\n`), 0, 100).kind).toBe('other')
    expect(recogniseHead(Buffer.from(`${long}\r\n\r\n`), 0, 1000).kind).toBe('get')
  })
})

interface NodeView {
  status: number
  method?: string
  url?: string
  requestId?: string | null
  close?: boolean
}

let server: Server
let port = 0

beforeAll(async () => {
  server = createServer(httpServerOptions(), (request, response) => {
    const view = {
      method: request.method,
      url: request.url,
      requestId: request.headers['x-request-id'] ?? null,
      close: request.headers['connection']?.toLowerCase() === 'close',
    }
    response.setHeader('connection', 'close')
    response.end(JSON.stringify(view))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(() => {
  server.closeAllConnections()
  server.close()
})

/** How node:http reads `head` (sent alone on a new connection). */
function nodeReads(head: Buffer): Promise<NodeView> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(head))
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const status = Number(text.split(' ')[1])
      const body = text.slice(text.indexOf('\r\n\r\n') + 4)
      resolve(status === 200 ? { status, ...(JSON.parse(body) as object) } : { status })
    })
    setTimeout(() => socket.end(), 300)
  })
}

const byteChar = (from: number, to: number) =>
  fc.integer({ min: from, max: to }).map((b) => String.fromCharCode(b))
/** Mostly visible ASCII, sometimes any byte. */
const oddText = fc
  .array(fc.oneof({ weight: 9, arbitrary: byteChar(0x20, 0x7e) }, byteChar(0, 0xff)), {
    maxLength: 12,
  })
  .map((chars) => chars.join(''))
/** Mostly valid, sometimes the odd case (weights keep enough heads valid to compare). */
const mostly = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: odd })
const lineEnd = mostly(fc.constant('\r\n'), fc.constantFrom('\n', '\r', ''))
const headerArb = fc.tuple(
  mostly(
    fc.constantFrom('Host', 'host', 'X-Request-Id', 'Connection', 'Accept', 'X-Pad'),
    fc.oneof(fc.constantFrom('Content-Length', 'Transfer-Encoding', 'Expect'), oddText),
  ),
  mostly(fc.constantFrom('a', 'keep-alive', 'close', ' r-1 ', '\tx', '0'), oddText),
  lineEnd,
)
const headArb = fc
  .record({
    method: mostly(fc.constant('GET'), fc.constantFrom('HEAD', 'get', 'POST')),
    target: mostly(
      fc.constantFrom('/', '/v1/tables/t/keys/k?consistency=eventual', '/a%2Fb', '/x#y'),
      fc.oneof(
        oddText.map((text) => `/${text}`),
        oddText,
      ),
    ),
    version: mostly(fc.constant('HTTP/1.1'), fc.constantFrom('HTTP/1.0', 'HTTP/2.0')),
    host: mostly(fc.constant(true), fc.constant(false)),
    headers: fc.array(headerArb, { maxLength: 4 }),
    end: lineEnd,
  })
  .map((h) => {
    let text = `${h.method} ${h.target} ${h.version}\r\n`
    if (h.host) text += 'Host: shoal\r\n'
    for (const [name, value, end] of h.headers) text += `${name}:${value}${end}`
    return Buffer.from(`${text}${h.end}`, 'latin1')
  })

describe('recogniseHead vs node:http', () => {
  it('recogniseHead vs node:http: a head taken as get is read the same way by node', async () => {
    let taken = 0
    await fc.assert(
      fc.asyncProperty(headArb, async (head) => {
        const verdict = recogniseHead(head, 0, limit)
        if (verdict.kind !== 'get') return
        taken++
        for (let cut = 0; cut < verdict.end; cut++) {
          expect(recogniseHead(head.subarray(0, cut), 0, limit).kind).toBe('incomplete')
        }
        expect(await nodeReads(head.subarray(0, verdict.end))).toEqual({
          status: 200,
          method: 'GET',
          url: verdict.url,
          requestId: verdict.requestId ?? null,
          close: verdict.close,
        })
      }),
      { numRuns: 300, seed: 11 },
    )
    expect(taken).toBeGreaterThan(20) // not vacuous
  }, 60_000)
})
