/**
 * Goal: log compaction and InstallSnapshot work end to end inside real storage nodes: logs are
 * compacted below the durable applied index and their segments collected, a replica that was
 * down while the others compacted past it catches up from a snapshot and converges (equal
 * per-shard checksums), and a crash in the middle of an ingest leaves a replica that knows
 * its range is partial, applies nothing, asks for a fresh snapshot and converges; a key deleted
 * and written again while a replica was down has the same versions there after its snapshot
 * (deletion markers travel with it). Method:
 * three StorageNodes in one process, each on its own crashable MemFileSystem, with real RPC
 * on loopback, 10 ms ticks and a retention of 5 entries; a "crash" reopens a node from
 * `crashClone` of its file system taken at the chosen moment.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import { isShoalError } from '../../shared/errors.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { waitFor } from '../../test/harness/processes.ts'
import { encodeSnapshotChunk, installSnapshotMethod } from '../multiraft/snapshot-wire.ts'
import type { MemFileSystem } from '../vfs/mem-fs.ts'
import { shardChecksum } from './checksum.ts'
import { makeHandler } from './dispatch.ts'
import { dataKey } from './keys.ts'
import {
  closeAll,
  closeNode,
  context,
  createTable,
  openNode,
  routed,
  shard,
  startCluster,
  type Cluster,
} from './node-cluster.test-helper.ts'

async function writeKeys(c: Cluster, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const answer = await routed(c, StorageMethod.put, {
      shard,
      table: 'snap',
      partitionKey: new TextEncoder().encode(`k${i % 40}`),
      sortKey: new Uint8Array(0),
      value: new TextEncoder().encode(`value ${i}`),
      contentType: 'text/plain',
      durability: 'majority',
    })
    expect(answer.kind).toBe('ok')
  }
}

async function waitConverged(c: Cluster): Promise<void> {
  let last = ''
  await waitFor(
    'replicas converge',
    () => {
      const sums = [...c.nodes.values()].map((n) =>
        n.host.isFrozen(shard)
          ? 'frozen'
          : JSON.stringify(shardChecksum(n.services.db, shard, n.host.appliedIndex(shard))),
      )
      last = sums.join(' ')
      return new Set(sums).size === 1 && sums[0] !== 'frozen'
    },
    { timeoutMs: 10_000, intervalMs: 20 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last: ${last}`)
  })
}

/** n3 down; writes until n1 and n2 compacted past what n3 holds. */
async function lagBehindCompaction(c: Cluster): Promise<number> {
  await createTable(c, 'snap')
  await writeKeys(c, 0, 10)
  await waitFor('n3 applied', () => c.nodes.get('n3')!.host.appliedIndex(shard) >= 10, {
    timeoutMs: 5_000,
  })
  const n3Applied = c.nodes.get('n3')!.host.appliedIndex(shard)
  await closeNode(c, 'n3')
  await writeKeys(c, 10, 80)
  await waitFor(
    'n1 and n2 compacted past n3',
    () =>
      ['n1', 'n2'].every((id) => {
        const node = c.nodes.get(id)!
        return node.host.stats.logCompactions > 0 && node.logFirstIndex(shard) > n3Applied + 1
      }),
    { timeoutMs: 10_000, intervalMs: 20 },
  )
  return n3Applied
}

afterEach(closeAll)

describe('storage node snapshots', () => {
  it('snapshots: replica down past compaction: catches up by snapshot, converges', async () => {
    const c = await startCluster()
    await lagBehindCompaction(c)
    const n1 = c.nodes.get('n1')!
    expect(n1.host.stats.entriesCompacted).toBeGreaterThan(0)
    expect(n1.logStats().segmentsDeleted).toBeGreaterThan(0)
    const n3 = await openNode(c, 'n3')
    await waitConverged(c)
    expect(n3.host.stats.snapshotsReceived).toBeGreaterThanOrEqual(1)
    await waitFor(
      'a leader counted the stream',
      () => ['n1', 'n2'].some((id) => c.nodes.get(id)!.host.stats.snapshotsSent >= 1),
      { timeoutMs: 5_000 },
    )
    // The replica keeps working after the snapshot: new writes reach it too.
    await writeKeys(c, 90, 10)
    await waitConverged(c)
  }, 30_000)

  it('snapshots: a key deleted and written again: same versions on the replica', async () => {
    const c = await startCluster()
    await lagBehindCompaction(c) // n3 holds k1 = "value 1" from before it went down
    const k1 = { shard, table: 'snap', partitionKey: new TextEncoder().encode('k1'),
      sortKey: new Uint8Array(0) }
    expect((await routed(c, StorageMethod.delete, { ...k1, durability: 'majority' })).kind)
      .toBe('ok')
    expect((await routed(c, StorageMethod.put, { ...k1, value: new TextEncoder().encode('again'),
      contentType: 'text/plain', durability: 'majority' })).kind).toBe('ok')
    await writeKeys(c, 100, 20) // past another compaction step, so n3 needs a snapshot
    const n3 = await openNode(c, 'n3')
    await waitConverged(c)
    expect(n3.host.stats.snapshotsReceived).toBeGreaterThanOrEqual(1)
    const n1 = c.nodes.get('n1')!
    const tableId = n1.services.stateMachine.catalog.byName('snap')!.id
    const key = dataKey(shard, { tableId, partitionKey: k1.partitionKey, sortKey: k1.sortKey })
    const history = (node: typeof n1): string[] =>
      node.services.db.versions(key).map((v) => `${v.version}:${v.value.length}`)
    expect(history(n1)).toHaveLength(1) // the delete hides everything before it
    expect(history(n3)).toEqual(history(n1))
  }, 30_000)

  it(
    'snapshots: crash in the middle of an ingest: partial range found, fresh snapshot, ' +
      'converges',
    async () => {
      const c = await startCluster()
      await lagBehindCompaction(c)
      const fs3 = c.fss.get('n3')!
      let crashed: MemFileSystem | null = null
      await openNode(c, 'n3', {
        snapshotChunkBytes: 64,
        onSnapshotChunkStored: async (group) => {
          if (crashed !== null || group !== shard) return
          await c.nodes.get('n3')!.services.db.flush() // the marker and some data are durable
          crashed = fs3.crashClone(new SeededPrng(3), 'system')
        },
      })
      await waitFor('n3 crashed mid-ingest', () => crashed !== null, { timeoutMs: 10_000 })
      await closeNode(c, 'n3')
      c.fss.set('n3', crashed!)
      const n3 = await openNode(c, 'n3')
      expect(n3.snapshots.partialGroups()).toContain(shard)
      await waitConverged(c)
      expect(n3.snapshots.partialGroups()).toEqual([])
      expect(n3.host.stats.snapshotsReceived).toBeGreaterThanOrEqual(1)
    },
    30_000,
  )

  it('snapshots: bad chunk order or stream: refused; the replica repairs itself', async () => {
    const c = await startCluster()
    await createTable(c, 'snap')
    await writeKeys(c, 0, 10)
    const leader = [...c.nodes.values()].find((n) => n.host.status(shard).role === 'leader')!
    const follower = [...c.nodes.values()].find((n) => n !== leader)!
    const handler = makeHandler(follower.services)
    const call = (body: unknown): Promise<unknown> =>
      handler(installSnapshotMethod, body, { ...context(), peerNodeId: leader.services.nodeId })
    const header = {
      from: leader.services.nodeId,
      group: shard,
      transfer: 't1',
      index: follower.host.appliedIndex(shard) + 1000,
      term: 1,
      leaderTerm: leader.host.status(shard).term,
    }
    // A stray item the real snapshot does not carry: the repair must hide it.
    const stray = {
      key: dataKey(shard, {
        tableId: 1,
        partitionKey: new Uint8Array([7]),
        sortKey: new Uint8Array(0),
      }),
      value: new Uint8Array([1]),
      timestamp: 5,
      version: 5,
      expiresAtMs: 0,
    }
    const first = await call(
      encodeSnapshotChunk({ ...header, offset: 0, done: false, items: [stray] }),
    )
    expect(first).toEqual({ kind: 'stored', offset: stray.key.length + 1 + 24 })
    const refusal = async (body: unknown): Promise<string> => {
      try {
        await call(body)
      } catch (error) {
        if (isShoalError(error, 'protocol')) return error.message
        throw error
      }
      return 'accepted'
    }
    expect(
      await refusal(encodeSnapshotChunk({ ...header, offset: 999, done: false, items: [] })),
    ).toMatch(/out-of-order chunk: expected offset \d+, got 999/)
    expect(
      await refusal(
        encodeSnapshotChunk({ ...header, transfer: 't2', offset: 5, done: true, items: [] }),
      ),
    ).toMatch(/unknown stream t2/)
    expect(follower.snapshots.partialGroups()).toEqual([shard])
    expect(follower.host.isFrozen(shard)).toBe(true)
    await waitConverged(c)
    expect(follower.snapshots.partialGroups()).toEqual([])
    expect(follower.host.stats.snapshotsFailed).toBeGreaterThanOrEqual(1)
  }, 30_000)
})
