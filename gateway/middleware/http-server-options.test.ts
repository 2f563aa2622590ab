// Goal: the server settings stop slow and abusive clients before the app runs: a header block
// dribbled in (slowloris) gets 408 and a closed socket within headersTimeout plus one sweep,
// an oversized header gets 431, and the parser is strict.
// Method: @hono/node-server on 127.0.0.1 with short timeouts; raw net sockets; real time,
// bounded below a second per case.
import type { Server } from 'node:http'
import { connect } from 'node:net'
import { serve } from '@hono/node-server'
import { afterEach, describe, expect, it } from 'vitest'
import { buildFixture } from '../routes/route-fixture.ts'
import { applyServerLimits, httpServerOptions } from './http-server-options.ts'

const servers: Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

async function listen(): Promise<number> {
  const f = buildFixture()
  const serverOptions = httpServerOptions({
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
    connectionsCheckingIntervalMs: 50,
    headerBytesMax: 2048,
  })
  return new Promise((resolve) => {
    const server = serve(
      { fetch: f.app.fetch, hostname: '127.0.0.1', port: 0, serverOptions },
      (info) => resolve(info.port),
    ) as Server
    applyServerLimits(server, { connectionsMax: 100 })
    servers.push(server)
  })
}

/** Sends `parts` with `gapMs` between them; resolves with what came back and when it closed. */
function dribble(port: number, parts: string[], gapMs: number) {
  return new Promise<{ text: string; closedAfterMs: number }>((resolve, reject) => {
    const startMs = performance.now()
    const socket = connect({ host: '127.0.0.1', port })
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (data: string) => (text += data))
    socket.on('error', () => {})
    socket.on('close', () => resolve({ text, closedAfterMs: performance.now() - startMs }))
    socket.setTimeout(3_000, () => reject(new Error('socket still open after 3 s')))
    parts.forEach((part, i) => {
      setTimeout(() => {
        if (!socket.destroyed) socket.write(part)
      }, i * gapMs)
    })
  })
}

describe('http-server-options', () => {
  it('http-server-options: slowloris headers: 408 and closed within the timeout', async () => {
    const port = await listen()
    const parts = ['GET /healthz HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: 1\r\n', 'X-B: 2\r\n']
    const result = await dribble(port, [...parts, ...parts.slice(1), ...parts.slice(1)], 100)
    expect(result.text).toMatch(/^HTTP\/1\.1 408/)
    expect(result.closedAfterMs).toBeLessThan(1_000)
  })

  it('http-server-options: a header over maxHeaderSize: 431', async () => {
    const port = await listen()
    const request = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`
    const result = await dribble(port, [request], 0)
    expect(result.text).toMatch(/^HTTP\/1\.1 431/)
  })

  it('http-server-options: strict parser and a Host header are required', () => {
    const options = httpServerOptions()
    expect(options.insecureHTTPParser).toBe(false)
    expect(options.requireHostHeader).toBe(true)
    expect(options.headersTimeout).toBeLessThan(options.requestTimeout ?? 0)
  })
})
