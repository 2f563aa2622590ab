// Goal: the operations and hot-key routes answer as documented: cluster status for operators
// only, liveness, readiness (503 with Retry-After when the backend is not ready), the OpenAPI
// document without auth, and hot keys filtered to the caller's readable tables.
// Method: in-process requests against the MemoryBackend and a listed hot-key source.
import { describe, expect, it } from 'vitest'
import { buildFixture, expectProblem, tokens, type Fixture } from './route-fixture.ts'

async function setup(): Promise<Fixture> {
  const f = buildFixture()
  return f
}

const hot = (table: string, key: string) => ({
  table,
  key,
  count: 1000,
  ratePerSec: 100,
  readsPerSec: 90,
  writesPerSec: 10,
  errorPerSec: 2,
  share: 0.5,
  hot: true,
  firstHotAtMs: 1_700_000_000_000,
})

describe('ops', () => {
  it('ops: /healthz and /openapi.json need no key', async () => {
    const f = await setup()
    const health = await f.send('GET', '/healthz', { token: null })
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    const doc = await f.send('GET', '/openapi.json', { token: null })
    expect(doc.status).toBe(200)
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0')
  })

  it('ops: /readyz: 200 when ready, else 503 with Retry-After and reasons', async () => {
    const f = await setup()
    expect((await f.send('GET', '/readyz', { token: null })).status).toBe(200)
    f.backend.setReadiness({ ready: false, reasons: ['no cluster map yet'] })
    const response = await f.send('GET', '/readyz', { token: null })
    expect(response.headers.get('retry-after')).toBe('1')
    const problem = await expectProblem(response, 503)
    expect(problem.detail).toContain('no cluster map yet')
  })

  it('ops: /v1/cluster: 200 for ops, 403 for a tenant, 401 without key', async () => {
    const f = await setup()
    const response = await f.send('GET', '/v1/cluster')
    expect(response.status).toBe(200)
    const status = (await response.json()) as { shardCount: number; shards: unknown[] }
    expect(status.shards).toHaveLength(status.shardCount)
    await expectProblem(await f.send('GET', '/v1/cluster', { token: tokens.alice }), 403)
    await expectProblem(await f.send('GET', '/v1/cluster', { token: null }), 401)
  })

  it('ops: /v1/hotkeys: query reaches the source; tenants see own tables', async () => {
    const f = await setup()
    f.hotKeys.keys = [hot('alpha', 'k1'), hot('beta', 'k2'), hot('alpha', 'k3')]
    const all = await f.send('GET', '/v1/hotkeys?window=30s&limit=2')
    expect(all.status).toBe(200)
    const body = (await all.json()) as { windowMs: number; keys: Array<{ key: string }> }
    expect(f.hotKeys.lastQuery).toEqual({ windowMs: 30_000, limit: 2 })
    expect(body.windowMs).toBe(30_000)
    expect(body.keys.map((k) => k.key)).toEqual(['k1', 'k2'])
    expect(body.keys[0]).toEqual(hot('alpha', 'k1'))
    const mine = await f.send('GET', '/v1/hotkeys', { token: tokens.alice })
    const keys = ((await mine.json()) as { keys: Array<{ key: string }> }).keys
    expect(keys.map((k) => k.key)).toEqual(['k1', 'k3'])
    expect(f.hotKeys.lastQuery).toEqual({ windowMs: 10_000, limit: 20 })
  })

  it('ops: /v1/hotkeys with a bad window or limit: 400', async () => {
    const f = await setup()
    for (const query of ['window=10', 'window=10h', 'window=0s', 'window=2h', 'limit=0', 'x=1']) {
      await expectProblem(await f.send('GET', `/v1/hotkeys?${query}`), 400)
    }
  })

  it('ops: unknown routes and methods: 404 problem', async () => {
    const f = await setup()
    await expectProblem(await f.send('GET', '/nope', { token: null }), 404)
    await expectProblem(await f.send('PATCH', '/v1/tables/alpha'), 404)
  })
})
