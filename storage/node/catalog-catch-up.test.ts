/**
 * Goal: a storage node denies a table ("table-not-found", a 404 the caller takes as final)
 * only when its catalog replica is caught up; a replica that knows no catalog leader answers a
 * retryable shard-unavailable instead, so a node still replaying its catalog after a restart
 * never denies a table that exists (the chaos bug of seed 296401547). Method: three real
 * StorageNodes in one process; tableOf on a caught-up replica, then on the last node left
 * after the other two stop (its catalog group loses its leader).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import { isShoalError } from '../../shared/errors.ts'
import { waitFor } from '../../test/harness/processes.ts'
import {
  closeAll,
  closeNode,
  createTable,
  routed,
  shard,
  startCluster,
} from './node-cluster.test-helper.ts'
import { tableOf } from './services.ts'

afterEach(closeAll)

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
    const c = await startCluster()
    await createTable(c, 'present')
    await closeNode(c, 'n1')
    await closeNode(c, 'n2')
    const n3 = c.nodes.get('n3')!
    const catalog = n3.services.topology.catalogGroup
    await waitFor('n3 knows no catalog leader', () => n3.host.stalenessBoundMs(catalog) === null, {
      timeoutMs: 10_000,
    })
    expect(tableOf(n3.services, 'present')?.name).toBe('present')
    let thrown: unknown = null
    try {
      tableOf(n3.services, 'absent')
    } catch (error) {
      thrown = error
    }
    expect(isShoalError(thrown, 'shard-unavailable')).toBe(true)
  })
})
