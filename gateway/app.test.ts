// Goal: the assembled app answers every error status of REST API v1 (400, 401, 403, 404, 409,
// 412, 413, 429, 500, 503 with Retry-After, 504) as problem+json, turns a backend bug into a
// counted 500, and describes every registered route in /openapi.json.
// Method: in-process requests through buildApp over the MemoryBackend; backend failures are
// injected through its gate seam; the OpenAPI check walks `app.routes`.
import { describe, expect, it } from 'vitest'
import { ShoalError } from '../shared/errors.ts'
import { buildFixture, expectProblem, tokens } from './routes/route-fixture.ts'

const key = '/v1/tables/alpha/keys/k'

describe('app: error statuses', () => {
  it('app: each client-side error status, one request each', async () => {
    const f = buildFixture({
      limits: { valueBytesMax: 8 },
      rateLimit: { ratePerSecDefault: 1, burstDefault: 1000 },
    })
    await f.createTable('alpha')
    await f.send('PUT', key, { body: 'v' })
    await expectProblem(await f.send('GET', `${key}?consistency=x`), 400)
    await expectProblem(await f.send('GET', key, { token: null }), 401)
    await expectProblem(await f.send('GET', key, { token: tokens.bob }), 403)
    await expectProblem(await f.send('GET', '/v1/tables/alpha/keys/none'), 404)
    await expectProblem(await f.send('PUT', '/v1/tables/alpha'), 409)
    await expectProblem(
      await f.send('PUT', key, { body: 'v', headers: { 'if-match': '"0"' } }),
      412,
    )
    await expectProblem(await f.send('PUT', key, { body: '123456789' }), 413)
  })

  it('app: 429 when a key is over its rate', async () => {
    const f = buildFixture({ rateLimit: { ratePerSecDefault: 1, burstDefault: 1 } })
    expect((await f.send('GET', '/v1/tables')).status).toBe(200)
    const response = await f.send('GET', '/v1/tables')
    expect(response.headers.get('retry-after')).toBe('1')
    await expectProblem(response, 429)
  })

  it('app: backend failures map through http-errors: 503 + Retry-After, 504, 500', async () => {
    const failures: Record<string, Error> = {
      a: new ShoalError('shard-unavailable', 'no leader for shard 3'),
      b: new ShoalError('deadline-exceeded', 'backend deadline'),
      c: new RangeError('bug at /srv/gateway/internal.ts'),
    }
    const f = buildFixture({
      gate: async (operation) => {
        if (operation !== 'get') return
        throw failures[current] ?? new Error('no failure chosen')
      },
    })
    let current = 'a'
    await f.createTable('alpha')
    const unavailable = await f.send('GET', key)
    expect(unavailable.headers.get('retry-after')).toBe('1')
    await expectProblem(unavailable, 503)
    current = 'b'
    await expectProblem(await f.send('GET', key), 504)
    current = 'c'
    const internal = await expectProblem(await f.send('GET', key), 500)
    expect(internal.detail).not.toContain('/srv')
    expect(f.errorStats.internalErrors).toBe(1)
  })
})

describe('app: openapi', () => {
  it('app: every route: in /openapi.json with its path parameters', async () => {
    const f = buildFixture()
    const doc = (await (await f.send('GET', '/openapi.json', { token: null })).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>
    }
    const routes = f.app.routes.filter((route) => route.method !== 'ALL')
    expect(routes.length).toBe(19)
    for (const route of routes) {
      const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}')
      const operation = doc.paths[path]?.[route.method.toLowerCase()]
      expect(operation, `${route.method} ${path}`).toBeDefined()
      const declared = (operation?.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
      const inPath = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1])
      expect(declared.sort(), `${route.method} ${path}`).toEqual(inPath.sort())
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    )
    const registered = new Set(
      routes.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`),
    )
    for (const entry of documented) expect(registered.has(entry), entry).toBe(true)
  })

  it('app: documented query parameters are accepted, undocumented ones refused', async () => {
    const f = buildFixture()
    await f.createTable('alpha')
    type Operation = { parameters?: Array<{ name: string; in: string }> }
    const doc = (await (await f.send('GET', '/openapi.json', { token: null })).json()) as {
      paths: Record<string, Record<string, Operation>>
    }
    const fill = { table: 'alpha', key: 'k', pk: 'p', sk: 's' }
    for (const [template, operations] of Object.entries(doc.paths)) {
      if (!template.startsWith('/v1/')) continue
      const path = template.replace(/\{([a-z]+)\}/g, (_, name: keyof typeof fill) => fill[name])
      for (const [method, operation] of Object.entries(operations)) {
        const init = method === 'get' ? {} : { body: '{}' }
        const names = (operation.parameters ?? [])
          .filter((p) => p.in === 'query')
          .map((p) => p.name)
        for (const name of names) {
          const response = await f.send(method.toUpperCase(), `${path}?${name}=x`, init)
          const text = await response.text()
          expect(text, `${method} ${template} ?${name}`).not.toContain('Unrecognized key')
        }
        const unknown = await f.send(method.toUpperCase(), `${path}?zzz=1`, init)
        expect(unknown.status, `${method} ${template} ?zzz`).toBe(400)
      }
    }
  })
})
