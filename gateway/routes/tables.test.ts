// Goal: the table routes create, describe, list and drop tables with the documented statuses,
// validate settings strictly, and only show a key the tables it may read.
// Method: in-process requests against the MemoryBackend, as the ops key and as tenant keys.
import { describe, expect, it } from 'vitest'
import { buildFixture, expectProblem, tokens, type Fixture } from './route-fixture.ts'

async function setup(): Promise<Fixture> {
  const f = buildFixture()
  return f
}

describe('tables', () => {
  it('tables: PUT a new table: 201 with its settings and defaults', async () => {
    const f = await setup()
    const response = await f.send('PUT', '/v1/tables/alpha', {
      body: JSON.stringify({ ttlSeconds: 60, maxVersions: 3 }),
    })
    expect(response.status).toBe(201)
    const table = (await response.json()) as Record<string, unknown>
    expect(table).toMatchObject({ name: 'alpha', ttlSeconds: 60, maxVersions: 3 })
    const plain = await f.send('PUT', '/v1/tables/beta')
    expect(plain.status).toBe(201)
    expect(await plain.json()).toMatchObject({ ttlSeconds: null, maxVersions: 1 })
  })

  it('tables: PUT an existing table: 409', async () => {
    const f = await setup()
    await f.createTable('alpha')
    await expectProblem(await f.send('PUT', '/v1/tables/alpha'), 409)
  })

  it('tables: bad settings: 400 (unknown field, wrong type, out of range, not JSON)', async () => {
    const f = await setup()
    const bodies = [
      '{"ttl": 5}',
      '{"maxVersions": "3"}',
      '{"maxVersions": 0}',
      '{"maxVersions": 1001}',
      '{"ttlSeconds": 1.5}',
      '[]',
      'not json',
      '{"maxVersions": 1',
    ]
    for (const body of bodies) {
      await expectProblem(await f.send('PUT', '/v1/tables/alpha', { body }), 400)
    }
    const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0x7d])
    await expectProblem(await f.send('PUT', '/v1/tables/alpha', { body: invalidUtf8 }), 400)
    await expectProblem(await f.send('GET', '/v1/tables/alpha'), 404)
  })

  it('tables: GET one: 200 with its description; missing: 404', async () => {
    const f = await setup()
    await f.createTable('alpha', { maxVersions: 2 })
    const response = await f.send('GET', '/v1/tables/alpha')
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ name: 'alpha', maxVersions: 2 })
    await expectProblem(await f.send('GET', '/v1/tables/zeta'), 404)
  })

  it('tables: list: all tables for ops, only readable ones for a tenant', async () => {
    const f = await setup()
    for (const name of ['alpha', 'beta', 'gamma']) await f.createTable(name)
    const all = (await (await f.send('GET', '/v1/tables')).json()) as { tables: { name: string }[] }
    expect(all.tables.map((t) => t.name)).toEqual(['alpha', 'beta', 'gamma'])
    const mine = await f.send('GET', '/v1/tables', { token: tokens.alice })
    const body = (await mine.json()) as { tables: { name: string }[] }
    expect(body.tables.map((t) => t.name)).toEqual(['alpha'])
  })

  it('tables: DELETE: 204, then the table and its items are gone; again: 404', async () => {
    const f = await setup()
    await f.createTable('alpha')
    await f.send('PUT', '/v1/tables/alpha/keys/k', { body: 'v' })
    expect((await f.send('DELETE', '/v1/tables/alpha')).status).toBe(204)
    await expectProblem(await f.send('GET', '/v1/tables/alpha/keys/k'), 404)
    await expectProblem(await f.send('DELETE', '/v1/tables/alpha'), 404)
    await f.createTable('alpha')
    await expectProblem(await f.send('GET', '/v1/tables/alpha/keys/k'), 404)
  })

  it('tables: create and drop need admin; describe needs read', async () => {
    const f = await setup()
    await expectProblem(await f.send('PUT', '/v1/tables/beta', { token: tokens.alice }), 403)
    expect((await f.send('PUT', '/v1/tables/alpha', { token: tokens.alice })).status).toBe(201)
    const reader = { token: tokens.aliceReader }
    expect((await f.send('GET', '/v1/tables/alpha', reader)).status).toBe(200)
    await expectProblem(await f.send('DELETE', '/v1/tables/alpha', reader), 403)
    await expectProblem(await f.send('PUT', '/v1/tables/shared', { token: tokens.alice }), 403)
  })
})
