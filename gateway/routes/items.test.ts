// Goal: the item routes (plain keys and sort-key items) keep REST API v1's semantics: status
// codes, ETags, conditional writes, 304, content types, timestamps and strict key decoding.
// Method: in-process requests (app.request) against the real MemoryBackend under virtual time.
import { describe, expect, it } from 'vitest'
import { SilentLogger } from '../../shared/log.ts'
import { ManualClock } from '../../test/harness/manual-clock.ts'
import { buildApp } from '../app.ts'
import type { CallOptions, GetRequest, GetResult } from '../backend/gateway-backend.ts'
import { MemoryBackend } from '../backend/memory-backend.ts'
import { buildFixture, expectProblem, ListHotKeySource, type Fixture } from './route-fixture.ts'

async function setup(): Promise<Fixture> {
  const f = buildFixture()
  await f.createTable('alpha', { maxVersions: 5 })
  return f
}

const key = '/v1/tables/alpha/keys/user%2F42'

describe('items: PUT', () => {
  it('items: PUT of a new key: 201 with ETag and {version, timestamp}', async () => {
    const f = await setup()
    const response = await f.send('PUT', key, {
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    })
    expect(response.status).toBe(201)
    const body = (await response.json()) as { version: number; timestamp: number }
    expect(response.headers.get('etag')).toBe(`"${body.version}"`)
    expect(body.timestamp).toBe(f.clock.wallMs())
  })

  it('items: PUT over an existing key: 200 and a higher version', async () => {
    const f = await setup()
    const first = (await (await f.send('PUT', key, { body: 'a' })).json()) as { version: number }
    const second = await f.send('PUT', key, { body: 'b' })
    expect(second.status).toBe(200)
    const body = (await second.json()) as { version: number }
    expect(body.version).toBeGreaterThan(first.version)
  })

  it('items: If-Match with the current version: applies; with a stale one: 412', async () => {
    const f = await setup()
    const put = await f.send('PUT', key, { body: 'a' })
    const etag = put.headers.get('etag') ?? ''
    const cas = await f.send('PUT', key, { body: 'b', headers: { 'if-match': etag } })
    expect(cas.status).toBe(200)
    const stale = await f.send('PUT', key, { body: 'c', headers: { 'if-match': etag } })
    const problem = await expectProblem(stale, 412)
    expect(problem.detail).toContain('current version')
    expect(await (await f.send('GET', key)).text()).toBe('b')
  })

  it('items: If-None-Match * on an absent key creates; on a present key 412', async () => {
    const f = await setup()
    const headers = { 'if-none-match': '*' }
    expect((await f.send('PUT', key, { body: 'a', headers })).status).toBe(201)
    await expectProblem(await f.send('PUT', key, { body: 'b', headers }), 412)
  })

  it('items: If-Match on an absent key: 412', async () => {
    const f = await setup()
    const response = await f.send('PUT', key, { body: 'a', headers: { 'if-match': '"7"' } })
    await expectProblem(response, 412)
  })

  it('items: malformed conditions and query parameters: 400, never a write', async () => {
    const f = await setup()
    const cases: Array<[string, Record<string, string>]> = [
      [key, { 'if-match': '7' }],
      [key, { 'if-match': '*' }],
      [key, { 'if-none-match': '"3"' }],
      [key, { 'if-match': '"1"', 'if-none-match': '*' }],
      [`${key}?ttl=0`, {}],
      [`${key}?ttl=abc`, {}],
      [`${key}?timestamp=-1`, {}],
      [`${key}?durability=eventually`, {}],
      [`${key}?unknown=1`, {}],
      [`${key}?ttl=1&ttl=2`, {}],
      [key, { 'content-type': 'x'.repeat(300) }],
    ]
    for (const [path, headers] of cases) {
      await expectProblem(await f.send('PUT', path, { body: 'v', headers }), 400)
    }
    await expectProblem(await f.send('GET', key), 404)
  })

  it('items: PUT to a missing table: 404', async () => {
    const f = await setup()
    await expectProblem(await f.send('PUT', '/v1/tables/nope/keys/k', { body: 'v' }), 404)
  })
})

describe('items: GET', () => {
  it('items: GET: the bytes as stored with Content-Type, ETag and X-Shoal-Timestamp', async () => {
    const f = await setup()
    const value = new Uint8Array([0, 1, 2, 255, 254])
    const put = await f.send('PUT', `${key}?timestamp=1234`, {
      body: value,
      headers: { 'content-type': 'application/x-custom; v=1' },
    })
    const etag = put.headers.get('etag')
    const response = await f.send('GET', key)
    expect(response.status).toBe(200)
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(value)
    expect(response.headers.get('content-type')).toBe('application/x-custom; v=1')
    expect(response.headers.get('etag')).toBe(etag)
    expect(response.headers.get('x-shoal-timestamp')).toBe('1234')
  })

  it('items: GET without Content-Type on PUT: application/octet-stream', async () => {
    const f = await setup()
    await f.send('PUT', key, { body: new Uint8Array([1]) })
    const response = await f.send('GET', key)
    expect(response.headers.get('content-type')).toBe('application/octet-stream')
  })

  it('items: GET with a matching If-None-Match: 304 without a body', async () => {
    const f = await setup()
    const etag = (await f.send('PUT', key, { body: 'a' })).headers.get('etag') ?? ''
    const hit = await f.send('GET', key, { headers: { 'if-none-match': `"999", ${etag}` } })
    expect(hit.status).toBe(304)
    expect(await hit.text()).toBe('')
    const miss = await f.send('GET', key, { headers: { 'if-none-match': '"999"' } })
    expect(miss.status).toBe(200)
  })

  it('items: GET of an absent key: 404 problem; of a missing table: 404 problem', async () => {
    const f = await setup()
    const absent = await expectProblem(await f.send('GET', key), 404)
    expect(absent.detail).toContain('no item')
    const table = await expectProblem(await f.send('GET', '/v1/tables/nope/keys/k'), 404)
    expect(table.detail).toContain('table')
  })

  it('items: GET asOf: the newest version at or before that timestamp', async () => {
    const f = await setup()
    await f.send('PUT', `${key}?timestamp=100`, { body: 'old' })
    await f.send('PUT', `${key}?timestamp=200`, { body: 'new' })
    expect(await (await f.send('GET', `${key}?asOf=150`)).text()).toBe('old')
    expect(await (await f.send('GET', `${key}?asOf=250`)).text()).toBe('new')
    await expectProblem(await f.send('GET', `${key}?asOf=50`), 404)
  })

  it('items: GET query: eventual with maxStalenessMs is fine, strong with it is 400', async () => {
    const f = await setup()
    await f.send('PUT', key, { body: 'a' })
    const eventual = await f.send('GET', `${key}?consistency=eventual&maxStalenessMs=50`)
    expect(eventual.status).toBe(200)
    await expectProblem(await f.send('GET', `${key}?maxStalenessMs=50`), 400)
    await expectProblem(await f.send('GET', `${key}?consistency=linear`), 400)
  })

  it('items: a caller timestamp older than the current one does not hide it', async () => {
    const f = await setup()
    await f.send('PUT', key, { body: 'live' })
    const load = await f.send('PUT', `${key}?timestamp=1`, { body: 'bulk' })
    expect(load.status).toBe(200)
    expect(await (await f.send('GET', key)).text()).toBe('live')
  })

  it('items: TTL: the item is gone once the clock passes it', async () => {
    const f = await setup()
    await f.send('PUT', `${key}?ttl=10`, { body: 'a' })
    f.clock.advance(9_999)
    expect((await f.send('GET', key)).status).toBe(200)
    f.clock.advance(1)
    await expectProblem(await f.send('GET', key), 404)
  })
})

describe('items: DELETE', () => {
  it('items: DELETE: 204, then GET is 404 and a new PUT is 201 again', async () => {
    const f = await setup()
    await f.send('PUT', key, { body: 'a' })
    const response = await f.send('DELETE', key)
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
    await expectProblem(await f.send('GET', key), 404)
    expect((await f.send('PUT', key, { body: 'b' })).status).toBe(201)
  })

  it('items: DELETE If-Match stale: 412 and the item stays', async () => {
    const f = await setup()
    await f.send('PUT', key, { body: 'a' })
    const response = await f.send('DELETE', key, { headers: { 'if-match': '"999"' } })
    await expectProblem(response, 412)
    expect((await f.send('GET', key)).status).toBe(200)
  })

  it('items: DELETE in a missing table: 404', async () => {
    const f = await setup()
    await expectProblem(await f.send('DELETE', '/v1/tables/nope/keys/k'), 404)
  })
})

describe('items: sort keys and key decoding', () => {
  it('items: /keys/{k}: partition k with an empty sort key', async () => {
    const f = await setup()
    await f.send('PUT', '/v1/tables/alpha/partitions/p/items/s1', { body: 'one' })
    await f.send('PUT', '/v1/tables/alpha/keys/p', { body: 'plain' })
    const item = await f.send('GET', '/v1/tables/alpha/partitions/p/items/s1')
    expect(await item.text()).toBe('one')
    expect(await (await f.send('GET', '/v1/tables/alpha/keys/p')).text()).toBe('plain')
    expect((await f.send('DELETE', '/v1/tables/alpha/partitions/p/items/s1')).status).toBe(204)
    await expectProblem(await f.send('GET', '/v1/tables/alpha/partitions/p/items/s1'), 404)
  })

  it('items: a%2Fb and a%2fb: one key; a%252Fb: another', async () => {
    const f = await setup()
    await f.send('PUT', '/v1/tables/alpha/keys/a%2Fb', { body: 'slash' })
    await f.send('PUT', '/v1/tables/alpha/keys/a%252Fb', { body: 'percent' })
    expect(await (await f.send('GET', '/v1/tables/alpha/keys/a%2fb')).text()).toBe('slash')
    expect(await (await f.send('GET', '/v1/tables/alpha/keys/a%252Fb')).text()).toBe('percent')
  })

  it('items: Unicode keys are their UTF-8 bytes: NFC and NFD are different keys', async () => {
    const f = await setup()
    const nfc = encodeURIComponent('caf\u00e9')
    const nfd = encodeURIComponent('cafe\u0301')
    await f.send('PUT', `/v1/tables/alpha/keys/${nfc}`, { body: 'nfc' })
    await expectProblem(await f.send('GET', `/v1/tables/alpha/keys/${nfd}`), 404)
    expect(await (await f.send('GET', `/v1/tables/alpha/keys/${nfc}`)).text()).toBe('nfc')
  })

  it('items: malformed percent-encoding and invalid UTF-8: 400', async () => {
    const f = await setup()
    for (const bad of ['%E0%A4%A', '%ED%A0%80', '%FF', 'abc%']) {
      await expectProblem(await f.send('GET', `/v1/tables/alpha/keys/${bad}`), 400)
      await expectProblem(await f.send('PUT', `/v1/tables/alpha/keys/${bad}`, { body: 'v' }), 400)
    }
  })

  it('items: keys at the byte limit pass, one byte over is 413', async () => {
    const g = buildFixture({ limits: { partitionKeyBytesMax: 8, sortKeyBytesMax: 4 } })
    await g.createTable('alpha')
    expect((await g.send('PUT', '/v1/tables/alpha/keys/12345678', { body: 'v' })).status).toBe(201)
    await expectProblem(await g.send('PUT', '/v1/tables/alpha/keys/123456789', { body: 'v' }), 413)
    // "é" is two bytes in UTF-8: 8 characters but 9 bytes.
    await expectProblem(await g.send('GET', '/v1/tables/alpha/keys/1234567%C3%A9'), 413)
    const sortOk = await g.send('PUT', '/v1/tables/alpha/partitions/p/items/1234', { body: 'v' })
    expect(sortOk.status).toBe(201)
    await expectProblem(await g.send('GET', '/v1/tables/alpha/partitions/p/items/12345'), 413)
  })

  it('items: bad table names: 400; NUL and __proto__ keys are ordinary keys', async () => {
    const f = await setup()
    await expectProblem(await f.send('GET', '/v1/tables/al%20pha/keys/k'), 400)
    await expectProblem(await f.send('GET', '/v1/tables/-x/keys/k'), 400)
    await expectProblem(await f.send('GET', `/v1/tables/${'a'.repeat(129)}/keys/k`), 400)
    for (const name of ['%00', '__proto__', 'constructor']) {
      expect((await f.send('PUT', `/v1/tables/alpha/keys/${name}`, { body: name })).status).toBe(
        201,
      )
      expect(await (await f.send('GET', `/v1/tables/alpha/keys/${name}`)).text()).toBe(name)
    }
  })
})

/** The real MemoryBackend, with its reads tagged as a coalescer would tag them. */
class TaggingBackend extends MemoryBackend {
  override async get(request: GetRequest, options: CallOptions): Promise<GetResult> {
    const result = await super.get(request, options)
    if (result.kind === 'table-not-found') return result
    return { ...result, coalescing: { role: 'follower', fanIn: 7 } }
  }
}

describe('items: coalescing headers', () => {
  it('items: GET carries X-Shoal-Coalesced and X-Shoal-Fan-In from the backend', async () => {
    const clock = new ManualClock()
    const app = buildApp({
      backend: new TaggingBackend({ clock }),
      hotKeys: new ListHotKeySource(),
      clock,
      timers: clock,
      logger: new SilentLogger(),
      auth: { enabled: false },
    })
    await app.request('/v1/tables/alpha', { method: 'PUT' })
    await app.request('/v1/tables/alpha/keys/k', { method: 'PUT', body: 'v' })
    for (const path of ['/v1/tables/alpha/keys/k', '/v1/tables/alpha/keys/absent']) {
      const response = await app.request(path)
      expect(response.headers.get('x-shoal-coalesced')).toBe('follower')
      expect(response.headers.get('x-shoal-fan-in')).toBe('7')
    }
  })
})
