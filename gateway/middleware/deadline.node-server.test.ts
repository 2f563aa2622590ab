// Goal: behind @hono/node-server, a client that closes its connection mid-request aborts the
// backend work it started (reason "aborted"), and a request that completes leaves no listener
// on its response. Method: serve the fixture's app on 127.0.0.1 with node-server; the
// MemoryBackend's gate holds a read until its signal fires; the client aborts its fetch.
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { afterAll, describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { buildFixture, tokens } from '../routes/route-fixture.ts'

const aborted: unknown[] = []
const held = { count: 0 }
const f = buildFixture({
  gate: (operation, signal) =>
    operation !== 'get'
      ? Promise.resolve()
      : new Promise((_, reject) => {
          held.count++
          signal.addEventListener('abort', () => {
            aborted.push(signal.reason)
            reject(signal.reason)
          })
        }),
})
const servers: Server[] = []

function listen(): Promise<string> {
  return new Promise((resolve) => {
    const server = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve(`http://127.0.0.1:${info.port}`),
    ) as Server
    servers.push(server)
  })
}

afterAll(() => {
  for (const server of servers) server.close()
})

describe('deadline over node-server', () => {
  it('deadline over node-server: a client that goes away aborts the held read', async () => {
    await f.createTable('alpha')
    const base = await listen()
    const client = new AbortController()
    const pending = fetch(`${base}/v1/tables/alpha/keys/k`, {
      headers: { authorization: `Bearer ${tokens.ops}` },
      signal: client.signal,
    }).catch((error: unknown) => error)
    const deadline = Date.now() + 5_000
    while (held.count === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(held.count).toBe(1)
    expect(aborted).toHaveLength(0)
    client.abort()
    await pending
    while (aborted.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(aborted).toHaveLength(1)
    expect(isShoalError(aborted[0], 'aborted')).toBe(true)
  })
})
