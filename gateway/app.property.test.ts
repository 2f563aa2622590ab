// Goal: through the real HTTP pipeline, item writes and reads behave like a Map (stateful:
// put, get, delete and CAS in any order, with key names built to collide after encoding or
// normalisation, and cross-tenant attempts that must change nothing), and no request at all
// (arbitrary paths, percent-encodings, query strings, headers, bodies) yields a 5xx or an
// error that is not problem+json.
// Method: fast-check fc.commands against a Map model and a fuzz property, both through
// app.request on buildApp over the MemoryBackend; runs are bounded by numRuns.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { problemContentType } from './http-errors.ts'
import { buildFixture, tokens, type Fixture } from './routes/route-fixture.ts'

/** Names that collide under sloppy decoding or normalisation ("." and ".." are unaddressable). */
const keyNames = [
  'a/b',
  'a%2Fb',
  'a%b',
  'caf\u00e9',
  'cafe\u0301',
  '\u0000',
  '__proto__',
  'constructor',
  ' ',
  'k'.repeat(200),
]

interface Model {
  readonly items: Map<string, { value: string; version: number }>
}

interface Real {
  readonly f: Fixture
}

const pathOf = (table: string, key: string) => `/v1/tables/${table}/keys/${encodeURIComponent(key)}`

type Precondition = 'none' | 'create-only' | 'current' | 'stale'

function conditionHeaders(pre: Precondition, model: Model, key: string): Record<string, string> {
  const current = model.items.get(key)?.version
  if (pre === 'create-only') return { 'if-none-match': '*' }
  if (pre === 'current') return { 'if-match': `"${current ?? 987_654}"` }
  if (pre === 'stale') return { 'if-match': `"${(current ?? 0) + 1_000_000}"` }
  return {}
}

function expectedToApply(pre: Precondition, model: Model, key: string): boolean {
  const exists = model.items.has(key)
  if (pre === 'create-only') return !exists
  if (pre === 'current') return exists
  return pre === 'none'
}

class PutCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly key: string,
    readonly value: string,
    readonly pre: Precondition,
  ) {}
  check(): boolean {
    return true
  }
  async run(model: Model, real: Real): Promise<void> {
    const headers = conditionHeaders(this.pre, model, this.key)
    const response = await real.f.send('PUT', pathOf('alpha', this.key), {
      body: this.value,
      headers: { ...headers, 'content-type': 'text/plain' },
      token: tokens.alice,
    })
    if (!expectedToApply(this.pre, model, this.key)) {
      expect(response.status).toBe(412)
      return
    }
    const previous = model.items.get(this.key)
    expect(response.status).toBe(previous === undefined ? 201 : 200)
    const body = (await response.json()) as { version: number }
    expect(response.headers.get('etag')).toBe(`"${body.version}"`)
    if (previous !== undefined) expect(body.version).toBeGreaterThan(previous.version)
    model.items.set(this.key, { value: this.value, version: body.version })
  }
  toString(): string {
    return `put(${JSON.stringify(this.key)}, ${JSON.stringify(this.value)}, ${this.pre})`
  }
}

class GetCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string) {}
  check(): boolean {
    return true
  }
  async run(model: Model, real: Real): Promise<void> {
    const response = await real.f.send('GET', pathOf('alpha', this.key), {
      token: tokens.aliceReader,
    })
    const expected = model.items.get(this.key)
    if (expected === undefined) {
      expect(response.status).toBe(404)
      return
    }
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(expected.value)
    expect(response.headers.get('etag')).toBe(`"${expected.version}"`)
  }
  toString(): string {
    return `get(${JSON.stringify(this.key)})`
  }
}

class DeleteCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly key: string,
    readonly pre: 'none' | 'current' | 'stale',
  ) {}
  check(): boolean {
    return true
  }
  async run(model: Model, real: Real): Promise<void> {
    const headers = conditionHeaders(this.pre, model, this.key)
    const response = await real.f.send('DELETE', pathOf('alpha', this.key), {
      headers,
      token: tokens.alice,
    })
    if (!expectedToApply(this.pre, model, this.key)) {
      expect(response.status).toBe(412)
      return
    }
    expect(response.status).toBe(204)
    model.items.delete(this.key)
  }
  toString(): string {
    return `delete(${JSON.stringify(this.key)}, ${this.pre})`
  }
}

/** Bob writes and reads alpha: always 403, never a change (checked by later gets). */
class CrossTenantCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly key: string) {}
  check(): boolean {
    return true
  }
  async run(_model: Model, real: Real): Promise<void> {
    const as = { token: tokens.bob }
    const put = await real.f.send('PUT', pathOf('alpha', this.key), { ...as, body: 'evil' })
    expect(put.status).toBe(403)
    expect((await real.f.send('GET', pathOf('alpha', this.key), as)).status).toBe(403)
    expect((await real.f.send('DELETE', pathOf('alpha', this.key), as)).status).toBe(403)
  }
  toString(): string {
    return `crossTenant(${JSON.stringify(this.key)})`
  }
}

const keyArb = fc.constantFrom(...keyNames)
const commandArbs = [
  fc
    .tuple(
      keyArb,
      fc.string({ maxLength: 8 }),
      fc.constantFrom('none', 'create-only', 'current', 'stale'),
    )
    .map(([key, value, pre]) => new PutCommand(key, value, pre as Precondition)),
  keyArb.map((key) => new GetCommand(key)),
  fc
    .tuple(keyArb, fc.constantFrom('none', 'current', 'stale'))
    .map(([key, pre]) => new DeleteCommand(key, pre as 'none' | 'current' | 'stale')),
  keyArb.map((key) => new CrossTenantCommand(key)),
]

describe('app: properties', () => {
  it('app: put/get/delete/CAS through HTTP: behaves like a Map', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commandArbs, { maxCommands: 40 }), async (commands) => {
        const f = buildFixture()
        await f.createTable('alpha')
        await fc.asyncModelRun(() => ({ model: { items: new Map() }, real: { f } }), commands)
        expect(f.errorStats.internalErrors).toBe(0)
      }),
      { numRuns: 60 },
    )
  })

  it('app: arbitrary requests: never 5xx, errors always problem+json', async () => {
    const f = buildFixture({ limits: { valueBytesMax: 64, jsonBodyBytesMax: 64 } })
    await f.createTable('alpha')
    await f.send('PUT', '/v1/tables/alpha/keys/k', { body: 'v' })
    const families = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(requestArb, async (request) => {
        const response = await f.app.request(`http://localhost${request.path}`, {
          method: request.method,
          headers: request.headers,
          ...(request.body === null ? {} : { body: request.body }),
        })
        expect(response.status, request.path).toBeLessThan(500)
        const family = Math.floor(response.status / 100)
        families.set(family, (families.get(family) ?? 0) + 1)
        if (response.status >= 400) {
          expect(response.headers.get('content-type')).toBe(problemContentType)
          if (request.method !== 'HEAD') {
            const body = (await response.json()) as { status: number }
            expect(body.status).toBe(response.status)
          }
        }
      }),
      { numRuns: 600 },
    )
    expect(f.errorStats.internalErrors).toBe(0)
    // Not vacuous: some requests got through to the routes, and many were refused.
    console.log(`fuzz: status families ${JSON.stringify([...families])}`)
    expect(families.get(2) ?? 0).toBeGreaterThan(4)
    expect(families.get(4) ?? 0).toBeGreaterThan(100)
  })
})

const printable = /^[\x20-\x7e]{0,40}$/
const segmentArb = fc.oneof(
  fc.constantFrom('v1', 'tables', 'alpha', 'keys', 'k', 'partitions', 'items', 'versions'),
  fc.constantFrom('multi-get', 'hotkeys', 'cluster', 'healthz', 'readyz', 'openapi.json'),
  fc.constantFrom('%', '%E0%A4%A', '%ED%A0%80', '%FF', '%00', '%2F', '%2e%2e', '..', '', '~'),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9%._~-]{0,12}$/),
)
const queryArb = fc
  .array(
    fc.tuple(
      fc.constantFrom('consistency', 'limit', 'ttl', 'cursor', 'asOf', 'window', 'x', 'reverse'),
      fc.oneof(fc.stringMatching(/^[A-Za-z0-9%=&_-]{0,10}$/), fc.constantFrom('1', '-1', '1e9')),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`))

/** Mostly valid values (so requests reach the routes), sometimes garbage. */
function mostly<T>(valid: fc.Arbitrary<T>, garbage: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: garbage })
}
const garbageArb = fc.stringMatching(printable)

const headersArb = fc.record(
  {
    authorization: mostly(
      fc.constantFrom(`Bearer ${tokens.ops}`, `Bearer ${tokens.alice}`),
      garbageArb,
    ),
    'content-type': mostly(fc.constantFrom('text/plain', 'application/json'), garbageArb),
    'x-shoal-timeout-ms': mostly(fc.constant('100'), garbageArb),
  },
  { requiredKeys: ['authorization'] },
)

/** Conditional headers are rare, so most writes are unconditional and reach the backend. */
const conditionArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constantFrom({ 'if-match': '"1"' }, { 'if-none-match': '*' }) },
  { weight: 1, arbitrary: garbageArb.map((value) => ({ 'if-match': value })) },
  { weight: 1, arbitrary: garbageArb.map((value) => ({ 'if-none-match': value })) },
)

const templates = [
  '/v1/tables/{}',
  '/v1/tables/{}/keys/{}',
  '/v1/tables/{}/keys/{}/versions',
  '/v1/tables/{}/partitions/{}/items',
  '/v1/tables/{}/partitions/{}/items/{}',
  '/v1/tables/{}/partitions/{}/items/{}/versions',
  '/v1/tables/{}/multi-get',
  '/v1/hotkeys',
  '/v1/cluster',
]
const tableArb = mostly(fc.constant('alpha'), segmentArb)
const keyArbFuzz = mostly(fc.constantFrom('k', 'p'), segmentArb)
const paramsArb = fc.tuple(tableArb, keyArbFuzz, keyArbFuzz)
/** Mostly real route shapes with fuzzed parameters; sometimes any sequence of segments. */
const pathArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(...templates), paramsArb).map(([template, params]) => {
      let i = 0
      return template.replace(/\{\}/g, () => params[i++] ?? '')
    }),
  },
  {
    weight: 1,
    arbitrary: fc.array(segmentArb, { maxLength: 8 }).map((segments) => `/${segments.join('/')}`),
  },
)

const requestArb = fc
  .record({
    method: mostly(
      fc.constantFrom('GET', 'PUT', 'POST', 'DELETE'),
      fc.constantFrom('PATCH', 'HEAD', 'OPTIONS'),
    ),
    path: pathArb,
    query: mostly(fc.constant(''), queryArb),
    headers: headersArb,
    condition: conditionArb,
    body: fc.option(
      fc.oneof(
        fc.uint8Array({ maxLength: 100 }),
        fc.json({ maxDepth: 4 }),
        fc.constantFrom('{"keys":["k"]}', '{"keys":[{"partitionKey":"k","sortKey":""}]}'),
      ),
      { nil: null },
    ),
  })
  .map(({ method, path, query, headers, condition, body }) => ({
    method,
    path: `${path}${query}`,
    headers: { ...headers, ...condition } as Record<string, string>,
    body: method === 'GET' || method === 'HEAD' ? null : body,
  }))
