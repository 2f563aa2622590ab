/**
 * Goal: log compaction and InstallSnapshot work end to end inside real storage nodes: logs are
 * compacted below the durable applied index and their segments collected, a replica that was
 * down while the others compacted past it catches up from a snapshot and converges (equal
 * per-shard checksums), and a crash in the middle of an ingest leaves a replica that knows
 * its range is partial, applies nothing, asks for a fresh snapshot and converges. Method:
 * three StorageNodes in one process, each on its own crashable MemFileSystem, with real RPC
 * on loopback, 10 ms ticks and a retention of 5 entries; a "crash" reopens a node from
 * `crashClone` of its file system taken at the chosen moment.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import type { ClusterFile } from '../../shared/config/cluster-file.ts'
import { parseClusterFile } from '../../shared/config/cluster-file.ts'
import { SilentLogger } from '../../shared/log.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import type { RpcContext } from '../../shared/rpc/rpc-handler.ts'
import { SystemClock, SystemTimers } from '../../shared/time/clock.ts'
import { freePort, waitFor } from '../../test/harness/processes.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import { shardChecksum } from './checksum.ts'
import { makeHandler } from './dispatch.ts'
import { dataKey } from './keys.ts'
import { encodeSnapshotChunk, installSnapshotMethod } from '../multiraft/snapshot-wire.ts'
import { isShoalError } from '../../shared/errors.ts'
import { StorageNode } from './storage-node.ts'

const clock = new SystemClock()
const timers = new SystemTimers()
const ids = ['n1', 'n2', 'n3']
const shard = 0
const running: StorageNode[] = []

interface Cluster {
  cluster: ClusterFile
  fss: Map<string, MemFileSystem>
  nodes: Map<string, StorageNode>
}

async function openNode(
  c: Cluster,
  id: string,
  extra: Partial<Parameters<typeof StorageNode.open>[0]> = {},
): Promise<StorageNode> {
  const node = await StorageNode.open({
    cluster: c.cluster,
    nodeId: id,
    dataDir: `/data/${id}`,
    fs: c.fss.get(id)!,
    clock,
    timers,
    prng: new SeededPrng(ids.indexOf(id) + 7),
    logger: new SilentLogger(),
    tickMs: 10,
    electionTicks: 10,
    flushIntervalMs: 60_000,
    logRetainEntries: 5,
    compactCheckMs: 50,
    logEngine: { segmentBytesTarget: 2048, closedSegmentsMax: 1 },
    ...extra,
  })
  await node.start()
  c.nodes.set(id, node)
  running.push(node)
  return node
}

async function closeNode(c: Cluster, id: string): Promise<void> {
  const node = c.nodes.get(id)!
  c.nodes.delete(id)
  running.splice(running.indexOf(node), 1)
  await node.close()
}

async function startCluster(): Promise<Cluster> {
  const lines = [
    'clusterId: t',
    'shardCount: 1',
    'replicationFactor: 3',
    'dataDir: /data',
    'nodes:',
  ]
  for (const id of ids) lines.push(`  - id: ${id}`, `    address: 127.0.0.1:${await freePort()}`)
  const c: Cluster = {
    cluster: parseClusterFile(lines.join('\n'), 'test'),
    fss: new Map(),
    nodes: new Map(),
  }
  for (const id of ids) c.fss.set(id, new MemFileSystem())
  for (const id of ids) await openNode(c, id)
  return c
}

function context(): RpcContext {
  return {
    deadlineMs: clock.monotonicMs() + 5_000,
    signal: new AbortController().signal,
    peerNodeId: 'test',
    oneWay: false,
  }
}

/** Calls `method` on the live nodes until one answers other than not-leader. */
async function routed(c: Cluster, method: string, params: unknown): Promise<{ kind: string }> {
  const giveUp = clock.monotonicMs() + 10_000
  while (clock.monotonicMs() < giveUp) {
    for (const node of c.nodes.values()) {
      try {
        const answer = (await makeHandler(node.services)(method, params, context())) as {
          kind: string
        }
        if (answer.kind !== 'not-leader') return answer
      } catch {
        // no leader yet, or shutting down: try the next node
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`${method}: no answer in time`)
}

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
  await routed(c, StorageMethod.createTable, {
    name: 'snap',
    settings: { ttlSeconds: null, maxVersions: 2, valueBytesMax: 1024 },
  })
  await waitFor(
    'table everywhere',
    () =>
      [...c.nodes.values()].every(
        (n) => n.services.stateMachine.catalog.byName('snap') !== undefined,
      ),
    { timeoutMs: 5_000 },
  )
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

afterEach(async () => {
  for (const node of running.splice(0)) await node.close().catch(() => undefined)
})

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
    await routed(c, StorageMethod.createTable, {
      name: 'snap',
      settings: { ttlSeconds: null, maxVersions: 2, valueBytesMax: 1024 },
    })
    await waitFor(
      'table everywhere',
      () =>
        [...c.nodes.values()].every(
          (n) => n.services.stateMachine.catalog.byName('snap') !== undefined,
        ),
      { timeoutMs: 5_000 },
    )
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
