/**
 * Goal: server-assigned write timestamps never go backwards across a leader change: a node
 * issues timestamps no lower than any write it has applied, so a new leader whose clock is
 * behind the old one's still dates its writes after those the old leader acknowledged. Method:
 * three real StorageNodes in one process; a write carrying a timestamp 10 s ahead of the wall
 * clock (what a leader with a fast clock would issue) is applied everywhere; every replica's
 * next timestamp is then at least that, while one implausibly far ahead is ignored.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import { limits } from '../../shared/limits.ts'
import { waitFor } from '../../test/harness/processes.ts'
import { closeAll, createTable, routed, shard, startCluster } from './node-cluster.test-helper.ts'

afterEach(closeAll)

function putWithTimestamp(timestamp: number, key: string): Record<string, unknown> {
  return {
    shard,
    table: 't',
    partitionKey: new TextEncoder().encode(key),
    sortKey: new Uint8Array(0),
    value: new TextEncoder().encode('v'),
    contentType: 'text/plain',
    durability: 'majority',
    timestamp,
  }
}

describe('write timestamps', () => {
  it('timestamps: a write dated ahead is applied: every replica issues no lower', async () => {
    const c = await startCluster()
    await createTable(c, 't')
    const ahead = Date.now() + 10_000
    expect((await routed(c, StorageMethod.put, putWithTimestamp(ahead, 'a'))).kind).toBe('ok')
    const nodes = [...c.nodes.values()]
    await waitFor(
      'applied everywhere',
      () => nodes.every((n) => n.services.stateMachine.highestTimestampMs === ahead),
      {
        timeoutMs: 5_000,
      },
    )
    for (const node of nodes) expect(node.services.nextTimestamp()).toBeGreaterThanOrEqual(ahead)
  })

  it('timestamps: a write dated implausibly far ahead: the floor ignores it', async () => {
    const c = await startCluster()
    await createTable(c, 't')
    const far = Date.now() + limits.hlcRemoteAheadMsMax + 60_000
    expect((await routed(c, StorageMethod.put, putWithTimestamp(far, 'b'))).kind).toBe('ok')
    const node = [...c.nodes.values()][0]!
    await waitFor('applied', () => node.services.stateMachine.highestTimestampMs === far, {
      timeoutMs: 5_000,
    })
    expect(node.services.nextTimestamp()).toBeLessThan(Date.now() + 1_000)
  })
})
