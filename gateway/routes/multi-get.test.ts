// Goal: multi-get answers every key in request order with base64 values, accepts plain and
// sort-key addresses, and validates the batch (size, key bytes, shape) before any read.
// Method: in-process requests against the MemoryBackend.
import { describe, expect, it } from 'vitest'
import { buildFixture, expectProblem, type Fixture } from './route-fixture.ts'

const path = '/v1/tables/alpha/multi-get'

async function setup(): Promise<Fixture> {
  const f = buildFixture({ limits: { multiGetKeysMax: 3, partitionKeyBytesMax: 8 } })
  await f.createTable('alpha')
  await f.send('PUT', '/v1/tables/alpha/keys/k1', {
    body: 'one',
    headers: { 'content-type': 'text/plain' },
  })
  await f.send('PUT', '/v1/tables/alpha/partitions/p/items/s', { body: 'sorted' })
  return f
}

describe('multi-get', () => {
  it('multi-get: found and absent keys in request order', async () => {
    const f = await setup()
    const keys = ['k1', 'missing', { partitionKey: 'p', sortKey: 's' }]
    const response = await f.send('POST', path, { body: JSON.stringify({ keys }) })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { items: Array<Record<string, unknown>> }
    expect(body.items).toHaveLength(3)
    expect(body.items[0]).toMatchObject({ key: 'k1', found: true, contentType: 'text/plain' })
    expect(Buffer.from(String(body.items[0]?.['value']), 'base64').toString()).toBe('one')
    expect(body.items[1]).toEqual({ key: 'missing', found: false })
    expect(body.items[2]).toMatchObject({ key: { partitionKey: 'p', sortKey: 's' }, found: true })
  })

  it('multi-get: the batch at its limit passes, one over is 400', async () => {
    const f = await setup()
    const ok = await f.send('POST', path, { body: JSON.stringify({ keys: ['a', 'b', 'c'] }) })
    expect(ok.status).toBe(200)
    const over = JSON.stringify({ keys: ['a', 'b', 'c', 'd'] })
    await expectProblem(await f.send('POST', path, { body: over }), 400)
  })

  it('multi-get: bad bodies: 400; a key over its byte limit: 413', async () => {
    const f = await setup()
    for (const body of [
      '{}',
      '{"keys": []}',
      '{"keys": [1]}',
      '{"keys": ["a"], "consistency": "linear"}',
      '{"keys": ["a"], "extra": 1}',
      '{"keys": [""]}',
      '{"keys": ["\\ud800"]}',
      '{"keys": [{"partitionKey": "a"}]}',
    ]) {
      await expectProblem(await f.send('POST', path, { body }), 400)
    }
    const long = JSON.stringify({ keys: ['123456789'] })
    await expectProblem(await f.send('POST', path, { body: long }), 413)
  })

  it('multi-get: deeply nested JSON (100k levels): 400, not a stack overflow', async () => {
    const f = buildFixture()
    await f.createTable('alpha')
    const depth = 100_000
    for (const body of ['['.repeat(depth) + ']'.repeat(depth), `{"keys":${'['.repeat(depth)}`]) {
      await expectProblem(await f.send('POST', path, { body }), 400)
    }
    expect(f.errorStats.internalErrors).toBe(0)
  })

  it('multi-get: missing table: 404', async () => {
    const f = await setup()
    const body = JSON.stringify({ keys: ['a'] })
    await expectProblem(await f.send('POST', '/v1/tables/nope/multi-get', { body }), 404)
  })
})
