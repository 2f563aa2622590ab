// Gateway against a real cluster: 3 storage node processes and a gateway process on loopback,
// driven only through the typed REST client. It walks every route and error status a user
// meets (CRUD, CAS, create-only, versions, scan pages, multi-get, hot keys, cluster status) and
// checks that concurrent strong reads of one key are coalesced into far fewer backend reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ShoalClient } from '../../shared/client/shoal-client.ts'
import { ShoalHttpError } from '../../shared/client/shoal-client.ts'
import {
  startGatewayOverCluster,
  type GatewayOverCluster,
} from '../harness/gateway-over-cluster.ts'
import { waitFor } from '../harness/processes.ts'

let setup: GatewayOverCluster | undefined
let client: ShoalClient

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise
    return 200
  } catch (error) {
    if (error instanceof ShoalHttpError) return error.status
    throw error
  }
}

beforeAll(async () => {
  setup = await startGatewayOverCluster({ nodes: 3, shardCount: 4 })
  client = setup.client
}, 90_000)

afterAll(async () => {
  await setup?.close()
})

describe('gateway e2e', () => {
  it('gateway e2e: tables: create, conflict, describe, list', async () => {
    const table = await client.createTable('users', { maxVersions: 3 })
    expect(table).toMatchObject({ name: 'users', maxVersions: 3 })
    expect(await statusOf(client.createTable('users', {}))).toBe(409)
    expect((await client.describeTable('users')).id).toBe(table.id)
    expect((await client.listTables()).map((t) => t.name)).toContain('users')
    expect(await statusOf(client.describeTable('nope'))).toBe(404)
  })

  it('gateway e2e: items: put, get, CAS, create-only, delete', async () => {
    const first = await client.put('users', 'alice', 'v1', { contentType: 'text/plain' })
    expect(first.created).toBe(true)
    const read = await client.get('users', 'alice')
    expect(new TextDecoder().decode(read!.value)).toBe('v1')
    expect(read!.version).toBe(first.version)
    expect(read!.contentType).toContain('text/plain')
    const second = await client.put('users', 'alice', 'v2', { ifMatch: first.version })
    expect(second.created).toBe(false)
    expect(second.version).toBeGreaterThan(first.version)
    expect(await statusOf(client.put('users', 'alice', 'v3', { ifMatch: first.version }))).toBe(412)
    expect(await statusOf(client.put('users', 'alice', 'v3', { ifNoneMatch: true }))).toBe(412)
    expect((await client.put('users', 'bob', 'b', { ifNoneMatch: true })).created).toBe(true)
    const versions = await client.versions('users', 'alice')
    expect(versions.map((v) => v.version)).toEqual([second.version, first.version])
    await client.delete('users', 'alice')
    expect(await client.get('users', 'alice')).toBeNull()
    expect(await statusOf(client.get('nope', 'alice'))).toBe(404)
  })

  it('gateway e2e: scan: pages through a partition in order, both directions', async () => {
    for (let i = 0; i < 7; i++) {
      await client.put('users', { partition: 'team', sort: `m${i}` }, `value-${i}`)
    }
    const seen: string[] = []
    let cursor: string | undefined
    for (let page = 0; page < 10; page++) {
      const result = await client.scan('users', 'team', {
        limit: 3,
        ...(cursor === undefined ? {} : { cursor }),
      })
      seen.push(...result.items.map((item) => item.sortKey))
      if (result.cursor === null) break
      cursor = result.cursor
    }
    expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'])
    const reversed = await client.scan('users', 'team', { reverse: true, limit: 2 })
    expect(reversed.items.map((item) => item.sortKey)).toEqual(['m6', 'm5'])
  })

  it('gateway e2e: multi-get: found and missing keys in order', async () => {
    const items = await client.multiGet('users', [
      'bob',
      'missing',
      { partition: 'team', sort: 'm1' },
    ])
    expect(
      items.map((item) => (item === null ? null : new TextDecoder().decode(item.value))),
    ).toEqual(['b', null, 'value-1'])
  })

  it('gateway e2e: concurrent strong reads of one key: coalesced and all current', async () => {
    const written = await client.put('users', 'hot', 'x')
    const reads = await Promise.all(Array.from({ length: 200 }, () => client.get('users', 'hot')))
    for (const read of reads) expect(read!.version).toBeGreaterThanOrEqual(written.version)
    const followers = reads.filter((read) => read!.coalesced === 'follower').length
    expect(followers).toBeGreaterThan(0)
    const hot = await client.hotKeys({ limit: 5 })
    expect(hot.keys.map((key) => `${key.table}/${key.key}`)).toContain('users/hot')
  })

  it('gateway e2e: eventual reads: served within their staleness bound', async () => {
    const written = await client.put('users', 'eventual', 'e1')
    await waitFor(
      'an eventual read sees the write',
      async () =>
        (await client.get('users', 'eventual', { consistency: 'eventual' }))?.version ===
        written.version,
      { timeoutMs: 5_000, intervalMs: 20 },
    )
    const tight = await client.get('users', 'eventual', {
      consistency: 'eventual',
      maxStalenessMs: 1,
    })
    expect(tight?.version).toBe(written.version)
  })

  it('gateway e2e: cluster status: every node healthy, every group led', async () => {
    const status = (await client.cluster()) as {
      nodes: Array<{ healthy: boolean }>
      shards: Array<{ leader: string | null }>
    }
    expect(status.nodes.every((node) => node.healthy)).toBe(true)
    expect(status.shards.every((shard) => shard.leader !== null)).toBe(true)
  })
})
