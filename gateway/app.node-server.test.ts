// Goal: the app behaves the same behind @hono/node-server as in-process: bodies arrive through
// node-server's lightweight Request (PUT bytes, JSON batch, DELETE without a body), values come
// back byte for byte with their headers, and errors stay problem+json.
// Method: serve buildApp on 127.0.0.1 (port 0) with the edge's server options; real fetch.
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { problemContentType } from './http-errors.ts'
import { applyServerLimits, httpServerOptions } from './middleware/http-server-options.ts'
import { buildFixture, tokens } from './routes/route-fixture.ts'

const f = buildFixture({ limits: { valueBytesMax: 64 * 1024 } })
const auth = { authorization: `Bearer ${tokens.ops}` }
const state = { base: '', server: null as Server | null }

beforeAll(async () => {
  await f.createTable('alpha')
  await new Promise<void>((resolve) => {
    const server = serve(
      {
        fetch: f.app.fetch,
        hostname: '127.0.0.1',
        port: 0,
        serverOptions: httpServerOptions(),
      },
      (info) => {
        state.base = `http://127.0.0.1:${info.port}`
        resolve()
      },
    ) as Server
    applyServerLimits(server)
    state.server = server
  })
})

afterAll(() => {
  state.server?.close()
})

describe('app over node-server', () => {
  it('app over node-server: PUT bytes, GET them back, DELETE without body', async () => {
    const value = new Uint8Array(40_000).map((_, i) => (i * 7) % 256)
    const url = `${state.base}/v1/tables/alpha/keys/a%2Fb`
    const put = await fetch(url, {
      method: 'PUT',
      body: value,
      headers: { ...auth, 'content-type': 'application/x-bin' },
    })
    expect(put.status).toBe(201)
    const etag = put.headers.get('etag')
    const get = await fetch(url, { headers: auth })
    expect(get.status).toBe(200)
    expect(get.headers.get('etag')).toBe(etag)
    expect(get.headers.get('content-type')).toBe('application/x-bin')
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(value)
    const del = await fetch(url, { method: 'DELETE', headers: auth })
    expect(del.status).toBe(204)
    const gone = await fetch(url, { headers: auth })
    expect(gone.status).toBe(404)
    expect(gone.headers.get('content-type')).toBe(problemContentType)
  })

  it('app over node-server: multi-get JSON body and a 413 for an oversized value', async () => {
    await fetch(`${state.base}/v1/tables/alpha/keys/k`, { method: 'PUT', body: 'v', headers: auth })
    const multi = await fetch(`${state.base}/v1/tables/alpha/multi-get`, {
      method: 'POST',
      body: JSON.stringify({ keys: ['k', 'none'] }),
      headers: { ...auth, 'content-type': 'application/json' },
    })
    expect(multi.status).toBe(200)
    const body = (await multi.json()) as { items: Array<{ found: boolean }> }
    expect(body.items.map((i) => i.found)).toEqual([true, false])
    const big = await fetch(`${state.base}/v1/tables/alpha/keys/big`, {
      method: 'PUT',
      body: new Uint8Array(64 * 1024 + 1),
      headers: auth,
    })
    expect(big.status).toBe(413)
  })
})
