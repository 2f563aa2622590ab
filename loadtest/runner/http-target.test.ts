/**
 * HttpTarget, the load generator's raw-socket HTTP/1.1 client, against a real node:http server
 * on loopback: methods, headers and bodies reach the server; status, ETag, X-Shoal-Coalesced
 * and kept bodies come back; calls beyond the socket bound queue and all complete; a server
 * that drops connections yields 'network' outcomes and the target keeps working.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpTarget } from './http-target.ts'

let server: Server | null = null

afterEach(async () => {
  const s = server
  server = null
  s?.closeAllConnections()
  await new Promise((resolve) => s?.close(resolve) ?? resolve(null))
})

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler)
  server = s
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`
}

describe('HttpTarget', () => {
  it('target: a PUT with body and headers: the server sees both, the answer returns', async () => {
    const url = await serve((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        res.setHeader('etag', '"3"')
        res.setHeader('x-shoal-coalesced', 'leader')
        res.statusCode = 201
        res.end(`${req.method} ${req.url} ${req.headers['x-a']} ${Buffer.concat(chunks)}`)
      })
    })
    const target = new HttpTarget(url, { sockets: 2 })
    const outcome = await target.call({
      method: 'PUT',
      path: '/v1/x?y=1',
      headers: { 'x-a': 'b' },
      body: 'héllo',
      keepBody: true,
    })
    expect(outcome).toEqual({
      status: 201,
      failure: null,
      role: 'leader',
      etag: '"3"',
      body: 'PUT /v1/x?y=1 b héllo',
    })
    target.close()
  })

  it('target: 200 calls on 4 sockets, chunked answers: all complete on 4 connections', async () => {
    const ports = new Set<number>()
    const url = await serve((req, res) => {
      ports.add(req.socket.remotePort ?? 0)
      res.write('a') // no Content-Length: node:http sends it chunked
      setImmediate(() => res.end('b'))
    })
    const target = new HttpTarget(url, { sockets: 4 })
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () => target.call({ method: 'GET', path: '/', keepBody: true })),
    )
    expect(outcomes.every((o) => o.status === 200 && o.body === 'ab')).toBe(true)
    expect(ports.size).toBe(4)
    target.close()
  })

  it('target: the server drops a connection: a network outcome, then recovery', async () => {
    let calls = 0
    const url = await serve((req, res) => {
      calls++
      if (calls === 1) req.socket.destroy()
      else res.end('ok')
    })
    const target = new HttpTarget(url, { sockets: 1 })
    const first = await target.call({ method: 'GET', path: '/' })
    expect(first).toMatchObject({ status: 0, failure: 'network' })
    const second = await target.call({ method: 'GET', path: '/', keepBody: true })
    expect(second).toMatchObject({ status: 200, body: 'ok' })
    target.close()
  })

  it('target: Connection: close answers: each call gets a fresh connection', async () => {
    const url = await serve((_req, res) => {
      res.setHeader('connection', 'close')
      res.end('x')
    })
    const target = new HttpTarget(url, { sockets: 1 })
    for (let i = 0; i < 3; i++) {
      expect((await target.call({ method: 'GET', path: '/' })).status).toBe(200)
    }
    target.close()
  })
})
