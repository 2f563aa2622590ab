/**
 * Goal: a node that missed a compacted part of the log catches up from a snapshot. Method: a
 * 3-node cluster of real processes with a raft log retention of 20 entries
 * (SHOAL_LOG_RETAIN_ENTRIES); one node is SIGKILLed, the others take enough writes to compact
 * their logs far past it, then it restarts: it must report at least one snapshot received
 * (node.raftStats), every acknowledged write must read back at its version, and every shard's
 * replicas must converge to equal applied indexes and checksums.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'
import { waitFor } from '../harness/processes.ts'

const encoder = new TextEncoder()
let cluster: ClusterFixture | undefined

afterAll(async () => {
  await cluster?.close()
})

async function writeMany(
  c: ClusterFixture,
  prefix: string,
  count: number,
  acked: Map<string, number>,
): Promise<void> {
  let next = 0
  const writer = async (): Promise<void> => {
    while (next < count) {
      const key = `${prefix}${next++}`
      const answer = await c.put('snap', key, encoder.encode(`value of ${key}`), 8_000)
      if (answer.kind === 'ok') acked.set(key, answer.version)
    }
  }
  await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(() => writer()))
}

async function counter(c: ClusterFixture, id: string, name: string): Promise<number> {
  const value = (await c.raftStats(id))[name]
  return typeof value === 'number' ? value : 0
}

describe('storage cluster: snapshots', () => {
  it('storage cluster: node down past compaction: caught up by snapshot, converges', async () => {
    const c = (cluster = await ClusterFixture.start({
      nodes: 3,
      shardCount: 2,
      env: { SHOAL_LOG_RETAIN_ENTRIES: '20' },
    }))
    await c.waitForLeaders()
    await c.createTable('snap')
    const acked = new Map<string, number>()
    await writeMany(c, 'before-', 20, acked)
    await c.kill('n3', 'SIGKILL')
    await writeMany(c, 'during-', 400, acked)
    expect(acked.size).toBe(420)
    await waitFor(
      "n1 and n2 compacted both shards' logs",
      async () =>
        (await counter(c, 'n1', 'logCompactions')) >= 2 &&
        (await counter(c, 'n2', 'logCompactions')) >= 2,
      { timeoutMs: 10_000, intervalMs: 100 },
    )
    const restarted = Date.now()
    await c.startNode('n3')
    await c.waitConverged(15_000)
    const caughtUpMs = Date.now() - restarted
    expect(await counter(c, 'n3', 'snapshotsReceived')).toBeGreaterThanOrEqual(1)
    const stats = await c.raftStats('n3')
    console.log(
      'snapshot e2e figures',
      JSON.stringify({
        caughtUpMs,
        lastSnapshotReceived: stats.lastSnapshotReceived,
        entriesCompactedN1: await counter(c, 'n1', 'entriesCompacted'),
      }),
    )
    for (const [key, version] of acked) {
      const got = await c.get('snap', key, 'strong', 10_000)
      expect(got.kind, key).toBe('found')
      if (got.kind === 'found') expect(got.item.version, key).toBe(version)
    }
    // The caught-up replica keeps replicating: later writes converge too.
    await writeMany(c, 'after-', 40, acked)
    await c.waitConverged(10_000)
  }, 60_000)
})
