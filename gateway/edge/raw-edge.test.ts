// Goal: the raw edge answers what it serves in request order, hands every other request (and
// the rest of its connection) to node:http with no byte lost or reordered, and keeps node's
// limits: Connection close, requests per socket, idle timeout, a client leaving mid-read.
// Method: a real node:http server with the edge installed, raw sockets as clients. Its `serve`
// answers /fast/now at once and /fast/later after a real timer, and declines the rest; node's
// handler echoes method, target and body length, so every answer says who gave it.
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { FastResponse } from '../fast-path/item-read.ts'
import { httpServerOptions } from '../middleware/http-server-options.ts'
import { installRawEdge, RawEdge, type RawEdgeOptions } from './raw-edge.ts'

interface Setup {
  edge: RawEdge
  port: number
  closes: number
}

const opened: { server: Server; edge: RawEdge }[] = []
const sharedBody = Buffer.from('shared')
const sharedHead = ['content-type', 'text/plain', 'x-shoal-fan-in', '2', 'content-length', '6']
const clockMs = { now: Date.UTC(2026, 10, 22, 12, 0, 0) }

afterEach(() => {
  for (const { server, edge } of opened.splice(0)) {
    edge.closeAll()
    server.closeAllConnections()
    server.close()
  }
})

async function start(overrides: Partial<RawEdgeOptions> = {}): Promise<Setup> {
  const setup = { port: 0, closes: 0 } as Setup
  const serve = (url: string, _requestId: string | undefined, response: FastResponse): boolean => {
    if (!url.startsWith('/fast/')) return false
    const answer = (): void => {
      const body = `raw ${url}`
      const length = String(body.length)
      response.writeHead(200, ['content-type', 'text/plain', 'content-length', length])
      response.end(body)
    }
    response.on('close', () => setup.closes++)
    if (url.startsWith('/fast/shared/')) {
      response.answerShared!(200, sharedHead, url.slice('/fast/shared/'.length), sharedBody)
      return true
    }
    if (url.startsWith('/fast/later')) setTimeout(answer, 20)
    else if (url.startsWith('/fast/now')) answer()
    return true
  }
  const headerBytesMax = overrides.headerBytesMax ?? 16 * 1024
  const server = createServer(httpServerOptions({ headerBytesMax }), (request, response) => {
    let bytes = 0
    request.on('data', (chunk: Buffer) => (bytes += chunk.length))
    request.on('end', () => response.end(`node ${request.method} ${request.url} ${bytes}`))
  })
  setup.edge = new RawEdge({
    serve,
    headerBytesMax,
    keepAliveTimeoutMs: 5_000,
    requestsPerSocketMax: 1_000,
    wallMs: () => clockMs.now,
    ...overrides,
  })
  installRawEdge(server, setup.edge)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  setup.port = (server.address() as AddressInfo).port
  opened.push({ server, edge: setup.edge })
  return setup
}

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`

/** A client socket that collects what it receives, as latin1 text. */
function client(port: number): { socket: Socket; text: () => string; closed: Promise<void> } {
  const socket = connect({ host: '127.0.0.1', port })
  let text = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => (text += chunk))
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  return { socket, text: () => text, closed }
}

/** The bodies of the answers in `text`, in order (every answer here has Content-Length). */
function bodies(text: string): string[] {
  const out: string[] = []
  let at = 0
  while (at < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', at)
    if (headEnd < 0) break
    const length = Number(/content-length: *(\d+)/i.exec(text.slice(at, headEnd))?.[1])
    out.push(text.slice(headEnd + 4, headEnd + 4 + length))
    at = headEnd + 4 + length
  }
  return out
}

async function until(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('raw edge', () => {
  it('raw edge: keep-alive reads answered here, with the head node:http would send', async () => {
    const setup = await start()
    const c = client(setup.port)
    c.socket.write(get('/fast/now/1'))
    await until(() => bodies(c.text()).length === 1)
    c.socket.write(get('/fast/later/2'))
    await until(() => bodies(c.text()).length === 2)
    expect(bodies(c.text())).toEqual(['raw /fast/now/1', 'raw /fast/later/2'])
    expect(c.text().split('\r\n\r\n')[0]).toBe(
      [
        'HTTP/1.1 200 OK',
        'content-type: text/plain',
        'content-length: 15',
        'Date: Sun, 22 Nov 2026 12:00:00 GMT',
        'Connection: keep-alive',
        'Keep-Alive: timeout=5',
      ].join('\r\n'),
    )
    expect(setup.edge.stats).toEqual({ answered: 2, handedOff: 0 })
    expect(setup.edge.connections).toBe(1)
  })

  it('raw edge: answers sharing one header list differ only in request id and Date', async () => {
    const setup = await start()
    const c = client(setup.port)
    c.socket.write(get('/fast/shared/id-1') + get('/fast/shared/id-2'))
    await until(() => bodies(c.text()).length === 2)
    await new Promise((resolve) => setTimeout(resolve, 1_100)) // the Date line is re-read
    clockMs.now += 60_000
    c.socket.write(get('/fast/shared/id-3', 'Connection: close\r\n'))
    await c.closed
    const heads = c.text().split('shared').slice(0, 3)
    const expected = (id: string, date: string, connection: string): string =>
      [
        'HTTP/1.1 200 OK',
        'content-type: text/plain',
        'x-shoal-fan-in: 2',
        'content-length: 6',
        `Date: Sun, 22 Nov 2026 ${date} GMT`,
        connection,
        `x-request-id: ${id}`,
        '',
        '',
      ].join('\r\n')
    const kept = 'Connection: keep-alive\r\nKeep-Alive: timeout=5'
    expect(heads[0]).toBe(expected('id-1', '12:00:00', kept))
    expect(heads[1]).toBe(expected('id-2', '12:00:00', kept))
    expect(heads[2]).toBe(
      [
        'HTTP/1.1 200 OK',
        'content-type: text/plain',
        'x-shoal-fan-in: 2',
        'content-length: 6',
        'x-request-id: id-3',
        'Date: Sun, 22 Nov 2026 12:01:00 GMT',
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    )
  })

  it('raw edge: pipelined fast, slow and node requests are answered in order', async () => {
    const setup = await start()
    const c = client(setup.port)
    const put = 'PUT /p HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc'
    c.socket.write(get('/fast/later/a') + get('/fast/now/b') + put + get('/fast/now/c'))
    await until(() => bodies(c.text()).length === 4)
    expect(bodies(c.text())).toEqual([
      'raw /fast/later/a',
      'raw /fast/now/b',
      'node PUT /p 3',
      'node GET /fast/now/c 0', // after the hand-off, node:http reads the rest
    ])
    expect(setup.edge.stats).toEqual({ answered: 2, handedOff: 1 })
    expect(setup.edge.connections).toBe(0)
  })

  it('raw edge: a head over three reads, a bad head and an oversize head go to node', async () => {
    const setup = await start({ headerBytesMax: 1_024 })
    const twice = client(setup.port)
    twice.socket.write('GET /fast/now/x HT')
    await new Promise((resolve) => setTimeout(resolve, 20))
    twice.socket.write('TP/1.1\r\nHost: t\r\n\r\n')
    await until(() => bodies(twice.text()).length === 1)
    expect(bodies(twice.text())).toEqual(['raw /fast/now/x']) // two reads: still answered here

    const thrice = client(setup.port)
    for (const part of ['GET /fast/now/y HT', 'TP/1.1\r\nHo', 'st: t\r\n\r\n']) {
      thrice.socket.write(part)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await until(() => bodies(thrice.text()).length === 1)
    expect(bodies(thrice.text())).toEqual(['node GET /fast/now/y 0'])

    const bad = client(setup.port)
    bad.socket.write('GET /fast/now/x HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n')
    await bad.closed
    expect(bad.text()).toMatch(/^HTTP\/1\.1 400 Bad Request/)

    const big = client(setup.port)
    big.socket.write(get('/fast/now/x', `X-Pad: ${'p'.repeat(2_000)}\r\n`))
    await big.closed
    expect(big.text()).toMatch(/^HTTP\/1\.1 431 /)
  })

  it('raw edge: Connection close, and the last request a socket may send, end it', async () => {
    const setup = await start({ requestsPerSocketMax: 2 })
    const asked = client(setup.port)
    asked.socket.write(get('/fast/now/1', 'Connection: close\r\n') + get('/fast/now/2'))
    await asked.closed
    expect(bodies(asked.text())).toEqual(['raw /fast/now/1'])
    expect(asked.text()).toContain('Connection: close\r\n')

    const capped = client(setup.port)
    capped.socket.write(get('/fast/now/1') + get('/fast/later/2') + get('/fast/now/3'))
    await capped.closed
    expect(bodies(capped.text())).toEqual(['raw /fast/now/1', 'raw /fast/later/2'])
  })

  it('raw edge: a client leaving mid-read closes the response; idle sockets time out', async () => {
    const setup = await start({ keepAliveTimeoutMs: 200 })
    const leaving = client(setup.port)
    leaving.socket.write(get('/fast/later/x'))
    await until(() => setup.edge.connections === 1)
    leaving.socket.destroy()
    await until(() => setup.closes === 1 && setup.edge.connections === 0)

    const idle = client(setup.port)
    idle.socket.write(get('/fast/now/1'))
    const started = Date.now()
    await idle.closed
    expect(bodies(idle.text())).toEqual(['raw /fast/now/1'])
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
  })

  it('raw edge: a half-closed client still gets its pending answer, then the close', async () => {
    const setup = await start()
    const c = client(setup.port)
    c.socket.end(get('/fast/later/x'))
    await c.closed
    expect(bodies(c.text())).toEqual(['raw /fast/later/x'])
  })

  it('raw edge: closeAll destroys the connections it still reads', async () => {
    const setup = await start()
    const c = client(setup.port)
    c.socket.write(get('/fast/now/1'))
    await until(() => bodies(c.text()).length === 1)
    setup.edge.closeAll()
    await c.closed
    expect(setup.edge.connections).toBe(0)
  })
})
