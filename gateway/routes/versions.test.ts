// Goal: the versions route lists kept versions newest first, with tombstones, maxVersions
// trimming, the limit and inclusive timestamp bounds.
// Method: in-process requests against the MemoryBackend with caller-supplied timestamps.
import { describe, expect, it } from 'vitest'
import { buildFixture, expectProblem, type Fixture } from './route-fixture.ts'

const key = '/v1/tables/alpha/keys/k'

interface Versions {
  versions: Array<{ version: number; timestamp: number; deleted: boolean; value?: string }>
}

async function versions(f: Fixture, query = ''): Promise<Versions> {
  const response = await f.send('GET', `${key}/versions${query}`)
  expect(response.status).toBe(200)
  return (await response.json()) as Versions
}

async function setup(): Promise<Fixture> {
  const f = buildFixture()
  await f.createTable('alpha', { maxVersions: 3 })
  return f
}

describe('versions', () => {
  it('versions: newest first, tombstones included, trimmed to maxVersions', async () => {
    const f = await setup()
    for (const ts of [10, 20, 30]) await f.send('PUT', `${key}?timestamp=${ts}`, { body: `v${ts}` })
    await f.send('DELETE', `${key}?timestamp=40`)
    const listed = await versions(f)
    expect(listed.versions.map((v) => v.timestamp)).toEqual([40, 30, 20])
    expect(listed.versions.map((v) => v.deleted)).toEqual([true, false, false])
    expect(Buffer.from(listed.versions[1]?.value ?? '', 'base64').toString()).toBe('v30')
  })

  it('versions: limit, from and to (inclusive)', async () => {
    const f = await setup()
    for (const ts of [10, 20, 30]) await f.send('PUT', `${key}?timestamp=${ts}`, { body: 'v' })
    expect((await versions(f, '?limit=1')).versions.map((v) => v.timestamp)).toEqual([30])
    const bounded = await versions(f, '?from=20&to=20')
    expect(bounded.versions.map((v) => v.timestamp)).toEqual([20])
  })

  it('versions: sort-key items have their own history', async () => {
    const f = await setup()
    await f.send('PUT', '/v1/tables/alpha/partitions/p/items/s', { body: 'x' })
    const response = await f.send('GET', '/v1/tables/alpha/partitions/p/items/s/versions')
    expect(((await response.json()) as Versions).versions).toHaveLength(1)
    expect((await versions(f)).versions).toHaveLength(0)
  })

  it('versions: bad bounds: 400; missing table: 404', async () => {
    const f = await setup()
    for (const query of ['?limit=0', '?from=5&to=4', '?from=x', '?since=1']) {
      await expectProblem(await f.send('GET', `${key}/versions${query}`), 400)
    }
    await expectProblem(await f.send('GET', '/v1/tables/nope/keys/k/versions'), 404)
  })
})
