/**
 * Goal: a storage node denies a table ("table-not-found", a 404 the caller takes as final)
 * only when its catalog replica is caught up; a replica that knows no catalog leader answers a
 * retryable shard-unavailable instead, so a node still replaying its catalog after a restart
 * never denies a table that exists (the chaos bug of seed 296401547); and a replica that has
 * not yet heard of a table created a moment ago confirms a miss with the catalog leader
 * before denying it. Method: three real StorageNodes in one process; tableOf on a caught-up
 * replica, then on the last node left after the other two stop (its catalog group loses its
 * leader); then a replica whose catalog group is frozen while a table is created.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import { isShoalError } from '../../shared/errors.ts'
import { waitFor } from '../../test/harness/processes.ts'
import {
  closeAll,
  closeNode,
  createTable,
  clock,
  routed,
  shard,
  startCluster,
} from './node-cluster.test-helper.ts'
import { resolveTable, tableOf } from './services.ts'
import type { StorageNode } from './storage-node.ts'

afterEach(closeAll)

/** A cluster with table 'present' whose n1 and n2 then stop: n3's catalog has no leader. */
async function lastNodeWithoutCatalogLeader(): Promise<StorageNode> {
  const c = await startCluster()
  await createTable(c, 'present')
  await closeNode(c, 'n1')
  await closeNode(c, 'n2')
  const n3 = c.nodes.get('n3')!
  const catalog = n3.services.topology.catalogGroup
  await waitFor('n3 knows no catalog leader', () => n3.host.stalenessBoundMs(catalog) === null, {
    timeoutMs: 10_000,
  })
  return n3
}

describe('catalog catch-up', () => {
  it('catalog catch-up: caught-up replica: a missing table is table-not-found', async () => {
    const c = await startCluster()
    await createTable(c, 'present')
    const answer = await routed(c, StorageMethod.put, {
      shard,
      table: 'absent',
      partitionKey: new TextEncoder().encode('k'),
      sortKey: new Uint8Array(0),
      value: new TextEncoder().encode('v'),
      contentType: 'text/plain',
      durability: 'majority',
    })
    expect(answer.kind).toBe('table-not-found')
    for (const node of c.nodes.values()) expect(tableOf(node.services, 'absent')).toBeUndefined()
  })

  it('catalog catch-up: replica without a catalog leader: a miss is retryable', async () => {
    const n3 = await lastNodeWithoutCatalogLeader()
    expect(tableOf(n3.services, 'present')?.name).toBe('present')
    let thrown: unknown = null
    try {
      tableOf(n3.services, 'absent')
    } catch (error) {
      thrown = error
    }
    expect(isShoalError(thrown, 'shard-unavailable')).toBe(true)
  })

  it('catalog catch-up: a table created while a replica lags: found, not denied', async () => {
    const c = await startCluster()
    await createTable(c, 'present')
    const nodes = [...c.nodes.values()]
    const catalog = nodes[0]!.services.topology.catalogGroup
    const lagging = nodes.find((n) => {
      const t = n.services.topology
      return n.host.leader(catalog) !== t.raftId(n.services.nodeId)
    })!
    // Frozen, the replica acknowledges nothing, so the leader never tells it the create is
    // committed: its catalog looks caught up and, alone, would deny the new table.
    await lagging.host.freeze(catalog)
    const created = await routed(c, StorageMethod.createTable, {
      name: 'fresh',
      settings: { ttlSeconds: null, maxVersions: 2, valueBytesMax: 1024 },
    })
    expect(created.kind).toBe('created')
    expect(tableOf(lagging.services, 'fresh')).toBeUndefined()
    const resolving = resolveTable(lagging.services, 'fresh', clock.monotonicMs() + 5_000)
    setTimeout(() => lagging.host.thaw(catalog), 200)
    expect((await resolving)?.name).toBe('fresh')
    const absent = await resolveTable(lagging.services, 'absent', clock.monotonicMs() + 5_000)
    expect(absent).toBeUndefined()
  })

  it('catalog catch-up: no catalog quorum: a miss is unconfirmed and retryable', async () => {
    const n3 = await lastNodeWithoutCatalogLeader()
    let thrown: unknown = null
    try {
      await resolveTable(n3.services, 'absent', clock.monotonicMs() + 1_500)
    } catch (error) {
      thrown = error
    }
    expect(isShoalError(thrown, 'shard-unavailable')).toBe(true)
    expect((await resolveTable(n3.services, 'present', clock.monotonicMs() + 100))?.name).toBe(
      'present',
    )
  })
})
