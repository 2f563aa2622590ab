// Goal: the fast path answers cache hits as the full path would (same headers and counts),
// declines what it does not interpret having written and counted nothing, and answers backend
// reads (found, absent, missing table, deadline) exactly as the Hono app does.
// Method: real node:http servers: the fast path over the real HotPath (detector + cache, manual
// clock) with a fallback that marks declined requests, and, for the backend reads, the fast
// path in front of the app beside the app alone, both over one MemoryBackend; answers compared.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { utf8 } from '../../shared/codecs/bytes.ts'
import { HttpTarget } from '../../loadtest/runner/http-target.ts'
import type { GetRequest, StoredItem } from '../backend/gateway-backend.ts'
import { HotPath } from '../backend/hot-path.ts'
import { defaultHotCacheOptions, HotCache } from '../cache/hot-cache.ts'
import { defaultHotKeyDetectorOptions, HotKeyDetector } from '../hot-keys/detector.ts'
import { RequestMetrics } from '../metrics/request-metrics.ts'
import { defaultEdgeLimits } from '../middleware/edge-env.ts'
import { SilentLogger } from '../../shared/log.ts'
import { newErrorStats } from '../http-errors.ts'
import { buildFixture } from '../routes/route-fixture.ts'
import { ItemReadFastPath, type ItemReadDeps } from './item-read.ts'
import { readQuery } from './read-target.ts'

const item: StoredItem = {
  value: utf8('hello value'),
  contentType: 'text/x-test',
  version: 42,
  timestamp: 1_700_000_000_123,
  expiresAtMs: null,
}
const declinedStatus = 299
const servers: Server[] = []
const targets: HttpTarget[] = []

afterEach(async () => {
  for (const t of targets.splice(0)) t.close()
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
})

async function setUp(overrides: Partial<ItemReadDeps> = {}) {
  const f = buildFixture({ auth: false })
  const clock = f.clock
  const hot = new HotPath(clock, {
    detector: new HotKeyDetector(defaultHotKeyDetectorOptions),
    cache: new HotCache(defaultHotCacheOptions),
    options: { maxStalenessMsDefault: 100, cacheWarmEventual: true },
  })
  const metrics = new RequestMetrics()
  const fast = new ItemReadFastPath({
    backend: f.backend,
    hot,
    clock,
    timers: clock,
    logger: new SilentLogger(),
    errorStats: newErrorStats(),
    limits: defaultEdgeLimits,
    metrics,
    authEnabled: false,
    tracing: false,
    ...overrides,
  })
  const server = createServer((request, response) => {
    if (fast.handle(request, response)) return
    response.writeHead(declinedStatus).end()
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const target = new HttpTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    sockets: 1,
  })
  targets.push(target)
  const cacheItem = (key: string): void => {
    const request: GetRequest = {
      table: 'tbl',
      partitionKey: utf8(key),
      sortKey: new Uint8Array(0),
      consistency: 'eventual',
      maxStalenessMs: 1_000,
    }
    hot.afterRead(request, item, { departedAtMs: clock.monotonicMs(), stalenessBoundMs: 0 })
  }
  const counts = () => ({
    reads: hot.detector.stats.reads,
    hits: hot.cache.stats.hits,
    misses: hot.cache.stats.misses,
    requests: metrics.stats.requests,
  })
  return { clock, hot, metrics, fast, target, cacheItem, counts }
}

const eventualQuery = '?consistency=eventual&maxStalenessMs=1000'

describe('cached-read fast path', () => {
  it('fast path: a fresh cached value: 200 with the full path headers, counted once', async () => {
    const { target, cacheItem, counts } = await setUp()
    cacheItem('a/b')
    const before = counts()
    const answer = await target.call({
      method: 'GET',
      path: `/v1/tables/tbl/keys/a%2Fb${eventualQuery}`,
      headers: { 'x-request-id': 'req-7' },
      keepBody: true,
    })
    expect(answer).toMatchObject({ status: 200, role: 'cache', etag: '"42"', body: 'hello value' })
    expect(counts()).toEqual({
      ...before,
      reads: before.reads + 1,
      hits: before.hits + 1,
      requests: before.requests + 1,
    })
    const raw = await fetchHeaders(`/v1/tables/tbl/keys/a%2Fb${eventualQuery}`)
    expect(raw).toMatchObject({
      'content-type': 'text/x-test',
      etag: '"42"',
      'x-shoal-coalesced': 'cache',
      'x-shoal-fan-in': '1',
      'x-shoal-timestamp': '1700000000123',
      'content-length': '11',
    })
    expect(raw['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('fast path: hits of one cached item: each answer carries its own request id', async () => {
    const { cacheItem } = await setUp()
    cacheItem('k')
    const path = `/v1/tables/tbl/keys/k${eventualQuery}`
    const seen: string[] = []
    for (const id of ['req-1', 'req-2', undefined, undefined, 'req-1']) {
      const raw = await fetchHeaders(path, id === undefined ? {} : { 'x-request-id': id })
      expect(raw['x-shoal-coalesced']).toBe('cache')
      if (id !== undefined) expect(raw['x-request-id']).toBe(id)
      else expect(raw['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
      seen.push(raw['x-request-id']!)
    }
    expect(new Set(seen).size).toBe(4) // two fresh ids, distinct from each other
  })

  it('fast path: what the full path must judge: declined, nothing written or counted', async () => {
    const { target, cacheItem, counts } = await setUp()
    cacheItem('k')
    const key = '/v1/tables/tbl/keys/k'
    const declined: Array<[string, Record<string, string>?, ('PUT' | 'POST')?]> = [
      [`${key}?maxStalenessMs=5`],
      [`${key}?`],
      [`${key}?consistency=eventual&asOf=5`],
      [`${key}?consistency=eventual&consistency=eventual`],
      [`${key}?consistency=eventual&maxStalenessMs=3600001`],
      [`${key}?consistency=eventual&maxStalenessMs=1e3`],
      [`${key}?consistency=%65ventual`],
      [`${key}?consistency=eventual&`],
      [`${key}?consistency=eventual&x=1`],
      [`${key}/?consistency=eventual`],
      [`/v1/tables/bad!/keys/k?consistency=eventual`],
      [`/v1/tables/tbl/keys/..?consistency=eventual`],
      [`/v1/tables/tbl/keys/%E0%A4%A?consistency=eventual`],
      [`/v1/tables/tbl/partitions/k/items/s?consistency=eventual`],
      [`${key}?consistency=eventual`, { 'if-none-match': '"42"' }],
      [`${key}?consistency=eventual`, { 'x-shoal-timeout-ms': '50' }],
      [`${key}?consistency=eventual`, {}, 'POST'],
    ]
    const before = counts()
    for (const [path, headers, method] of declined) {
      const answer = await target.call({ method: method ?? 'GET', path, headers: headers ?? {} })
      expect({ path, status: answer.status }).toEqual({ path, status: declinedStatus })
    }
    expect(counts()).toEqual(before)
  })

  it('fast path: staleness: the default 100 ms and an explicit bound both hold', async () => {
    const { clock, target, cacheItem } = await setUp()
    cacheItem('k')
    clock.advance(150)
    const path = '/v1/tables/tbl/keys/k?consistency=eventual'
    const roleOf = async (p: string) => (await target.call({ method: 'GET', path: p })).role
    expect(await roleOf(path)).not.toBe('cache')
    expect(await roleOf(`${path}&maxStalenessMs=150`)).toBe('cache')
    expect(await roleOf(`${path}&maxStalenessMs=149`)).not.toBe('cache')
  })

  it('fast path: a write through the gateway invalidates: the next read is not a hit', async () => {
    const { hot, target, cacheItem } = await setUp()
    cacheItem('k')
    const path = `/v1/tables/tbl/keys/k${eventualQuery}`
    expect((await target.call({ method: 'GET', path })).role).toBe('cache')
    hot.afterWrite({ table: 'tbl', partitionKey: utf8('k'), sortKey: new Uint8Array(0) })
    expect((await target.call({ method: 'GET', path })).role).not.toBe('cache')
  })

  it('fast path: auth or tracing on: every request declined', async () => {
    for (const overrides of [{ authEnabled: true }, { tracing: true }]) {
      const { target, cacheItem } = await setUp(overrides)
      cacheItem('k')
      for (const query of [eventualQuery, '']) {
        const path = `/v1/tables/tbl/keys/k${query}`
        expect((await target.call({ method: 'GET', path })).status).toBe(declinedStatus)
      }
    }
  })

  it('readQuery: consistency and, for eventual reads, an in-range maxStalenessMs', () => {
    const q = (text: string) => readQuery(`?${text}`, 1)
    expect(q('consistency=eventual')).toEqual({ consistency: 'eventual' })
    expect(q('consistency=strong')).toEqual({ consistency: 'strong' })
    expect(q('maxStalenessMs=0&consistency=eventual')).toEqual({
      consistency: 'eventual',
      maxStalenessMs: 0,
    })
    expect(q('maxStalenessMs=3600000&consistency=eventual')?.maxStalenessMs).toBe(3_600_000)
    for (const bad of ['', 'maxStalenessMs=5', 'consistency=eventual&maxStalenessMs=', 'a']) {
      expect(q(bad)).toBeNull()
    }
  })
})

/** All response headers of one GET, via node's own client (the raw target keeps only some). */
async function fetchHeaders(
  path: string,
  headers: Record<string, string> = {},
): Promise<Record<string, string>> {
  const url = `http://127.0.0.1:${(servers[0]?.address() as AddressInfo).port}${path}`
  const response = await fetch(url, { headers })
  await response.arrayBuffer()
  return Object.fromEntries(response.headers.entries())
}
