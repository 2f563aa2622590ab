// Goal: the body limit holds on bytes actually read, whatever the headers say (TESTING.md (e),
// Hono CVE-2025-59139 and CVE-2026-44456): chunked bodies over the limit are cut off early on
// a route that reads its body (PUT) and on one that does not (DELETE); Content-Length over the
// limit is refused unread; CL+TE and a non-numeric CL are 400; limit-1/limit/limit+1 behave.
// Method: in-process requests with counted ReadableStream bodies, then the same shapes over a
// raw loopback socket to @hono/node-server, where the answer must be 413 and the write absent
// (there the body is read from Node's request, not a web stream), and that reader on its own:
// bytes kept exactly, limit and limit+1, a client that hangs up mid-body.
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { afterEach, describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { buildFixture, expectProblem, tokens, type Fixture } from '../routes/route-fixture.ts'
import { readIncomingWithin } from './body-limit.ts'

const limitBytes = 4096
const key = '/v1/tables/alpha/keys/k'

async function setup(): Promise<Fixture> {
  const f = buildFixture({ limits: { valueBytesMax: limitBytes, jsonBodyBytesMax: 256 } })
  await f.createTable('alpha')
  return f
}

/** A body of `chunks` chunks of 1 KiB that counts how many were pulled. */
function countedBody(chunks: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled === chunks) return controller.close()
        pulled += 1
        controller.enqueue(new Uint8Array(1024).fill(120))
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, pulled: () => pulled }
}

function streamed(
  f: Fixture,
  method: string,
  path: string,
  body: ReadableStream<Uint8Array>,
  headers: Record<string, string>,
): Promise<Response> {
  // `duplex` is required by undici for a stream body but missing from the DOM RequestInit type.
  const init: RequestInit & { duplex: 'half' } = {
    method,
    body,
    duplex: 'half',
    headers: { ...headers, authorization: `Bearer ${tokens.ops}` },
  }
  return Promise.resolve(f.app.request(new Request(`http://localhost${path}`, init)))
}

describe('body-limit: in-process', () => {
  it('body-limit: chunked PUT over the limit: 413, stops reading early, no write', async () => {
    const f = await setup()
    const body = countedBody(1000)
    const response = await streamed(f, 'PUT', key, body.stream, { 'transfer-encoding': 'chunked' })
    await expectProblem(response, 413)
    expect(response.headers.get('connection')).toBe('close')
    expect(body.pulled()).toBeLessThanOrEqual(limitBytes / 1024 + 1)
    await expectProblem(await f.send('GET', key), 404)
  })

  it('body-limit: chunked DELETE (body ignored by route): 413, no delete', async () => {
    const f = await setup()
    await f.send('PUT', key, { body: 'keep' })
    const body = countedBody(1000)
    const response = await streamed(f, 'DELETE', key, body.stream, {
      'transfer-encoding': 'chunked',
    })
    await expectProblem(response, 413)
    expect(body.pulled()).toBeLessThanOrEqual(limitBytes / 1024 + 1)
    expect(await (await f.send('GET', key)).text()).toBe('keep')
  })

  it('body-limit: declared Content-Length over the limit: 413 before reading a byte', async () => {
    const f = await setup()
    const body = countedBody(10)
    const response = await streamed(f, 'PUT', key, body.stream, {
      'content-length': String(limitBytes + 1),
    })
    await expectProblem(response, 413)
    expect(body.pulled()).toBe(0)
  })

  it('body-limit: a lying small Content-Length does not help: the bytes read count', async () => {
    const f = await setup()
    const body = countedBody(10)
    const response = await streamed(f, 'PUT', key, body.stream, { 'content-length': '10' })
    await expectProblem(response, 413)
  })

  it('body-limit: CL with TE, and a non-numeric CL: 400', async () => {
    const f = await setup()
    const both = { 'content-length': '5', 'transfer-encoding': 'chunked' }
    await expectProblem(await streamed(f, 'PUT', key, countedBody(1).stream, both), 400)
    for (const length of ['abc', '-1', '1e3', '0x10']) {
      const headers = { 'content-length': length }
      await expectProblem(await streamed(f, 'PUT', key, countedBody(1).stream, headers), 400)
    }
  })

  it('body-limit: value at limit-1 and limit pass, limit+1 is 413', async () => {
    const f = await setup()
    for (const size of [limitBytes - 1, limitBytes]) {
      const response = await f.send('PUT', key, { body: new Uint8Array(size) })
      expect(response.status).toBeLessThan(300)
      expect((await (await f.send('GET', key)).arrayBuffer()).byteLength).toBe(size)
    }
    await expectProblem(await f.send('PUT', key, { body: new Uint8Array(limitBytes + 1) }), 413)
  })

  it('body-limit: JSON bodies have their own smaller limit', async () => {
    const f = await setup()
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`)
    const response = await f.send('POST', '/v1/tables/alpha/multi-get', {
      body: JSON.stringify({ keys }),
    })
    await expectProblem(response, 413)
  })
})

interface RawReply {
  readonly statusLine: string
  readonly text: string
}

/** Writes raw bytes to the server and collects everything until the server closes. */
function rawExchange(port: number, request: string, bodyChunks: number): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (data: string) => (text += data))
    socket.on('error', () => {}) // the server may reset while we still write
    socket.on('close', () => resolve({ statusLine: text.split('\r\n')[0] ?? '', text }))
    socket.setTimeout(5_000, () => reject(new Error('no answer within 5 s')))
    socket.write(request)
    const chunk = `400\r\n${'x'.repeat(1024)}\r\n`
    for (let i = 0; i < bodyChunks && !socket.destroyed; i++) socket.write(chunk)
  })
}

describe('body-limit: over a real socket', () => {
  const servers: Array<{ close(): void }> = []
  afterEach(() => {
    for (const server of servers.splice(0)) server.close()
  })

  async function listen(f: Fixture): Promise<number> {
    return new Promise((resolve) => {
      const server = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
        resolve(info.port),
      )
      servers.push(server)
    })
  }

  const head = (method: string) =>
    `${method} ${key} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens.ops}\r\n` +
    'Transfer-Encoding: chunked\r\n\r\n'

  it('body-limit: raw chunked DELETE over limit: 413, closed, item kept', async () => {
    const f = await setup()
    await f.send('PUT', key, { body: 'keep' })
    const port = await listen(f)
    const reply = await rawExchange(port, head('DELETE'), 64)
    expect(reply.statusLine).toBe('HTTP/1.1 413 Payload Too Large')
    expect(reply.text).toContain('application/problem+json')
    expect(await (await f.send('GET', key)).text()).toBe('keep')
  })

  it('body-limit: raw chunked PUT over the limit: 413 and nothing stored', async () => {
    const f = await setup()
    const port = await listen(f)
    const reply = await rawExchange(port, head('PUT'), 64)
    expect(reply.statusLine).toBe('HTTP/1.1 413 Payload Too Large')
    await expectProblem(await f.send('GET', key), 404)
  })

  it('body-limit: raw malformed framing (bad, negative, duplicate CL; obs-fold): 400', async () => {
    const f = await setup()
    const port = await listen(f)
    const start =
      `PUT ${key} HTTP/1.1\r\nHost: 127.0.0.1\r\n` + `Authorization: Bearer ${tokens.ops}\r\n`
    for (const framing of [
      'Content-Length: abc\r\n',
      'Content-Length: -1\r\n',
      'Content-Length: 1\r\nContent-Length: 2\r\n',
      'Content-Length : 1\r\n',
      'Transfer-Encoding: gzip\r\n',
      'Transfer-Encoding:\r\n chunked\r\n',
    ]) {
      const reply = await rawExchange(port, `${start}${framing}\r\nxy`, 0)
      expect(reply.statusLine, framing).toMatch(/^HTTP\/1\.1 400/)
    }
    await expectProblem(await f.send('GET', key), 404)
  })

  it('body-limit: raw CL+TE smuggling shape: 400 from the parser, no write', async () => {
    const f = await setup()
    const port = await listen(f)
    const smuggled = 'PUT /v1/tables/alpha/keys/smuggled HTTP/1.1\r\nHost: x\r\n\r\n'
    const request =
      `PUT ${key} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens.ops}\r\n` +
      `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`
    const reply = await rawExchange(port, request, 0)
    expect(reply.statusLine).toMatch(/^HTTP\/1\.1 400/)
    await expectProblem(await f.send('GET', '/v1/tables/alpha/keys/smuggled'), 404)
    await expectProblem(await f.send('GET', key), 404)
  })
})

/** Starts a server whose handler reads each request body within `limitBytes`. */
async function readingServer(
  limitBytes: number,
): Promise<{ port: number; outcomes: Array<Promise<string>>; close(): void }> {
  const outcomes: Array<Promise<string>> = []
  const server = createServer((request: IncomingMessage, response) => {
    const outcome = readIncomingWithin(request, limitBytes).then(
      (bytes) => `ok ${Buffer.from(bytes).toString('latin1')}`,
      (error: unknown) => (isShoalError(error) ? error.code : `unexpected ${String(error)}`),
    )
    outcomes.push(outcome)
    void outcome.then((text) => response.end(text))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { port, outcomes, close: () => server.close() }
}

function send(port: number, text: string, hangUp: boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(text)
      if (hangUp) setTimeout(() => socket.destroy(), 50)
    })
    socket.on('error', () => {})
    socket.on('data', () => socket.end())
    socket.on('close', () => resolve())
  })
}

describe("body-limit: reading Node's request", () => {
  const chunked = (chunks: string[], end: boolean): string =>
    'PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n' +
    chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('') +
    (end ? '0\r\n\r\n' : '')

  it('body-limit: node reader: chunks in order, limit passes, limit+1 fails, empty', async () => {
    const server = await readingServer(8)
    try {
      await send(server.port, chunked(['abc', 'defgh'], true), false)
      await send(server.port, chunked(['abc', 'defghi'], true), false)
      await send(server.port, 'PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n', false)
      expect(await Promise.all(server.outcomes)).toEqual(['ok abcdefgh', 'too-large', 'ok '])
    } finally {
      server.close()
    }
  })

  it('body-limit: node reader: a client that hangs up mid-body is a bad request', async () => {
    const server = await readingServer(1024)
    try {
      await send(server.port, chunked(['abc'], false), true)
      expect(await Promise.all(server.outcomes)).toEqual(['bad-request'])
    } finally {
      server.close()
    }
  })
})
