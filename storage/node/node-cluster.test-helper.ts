/**
 * Test helper: a Raft cluster of three real StorageNodes in one process (shard count 1), each
 * on its own crashable MemFileSystem, with real RPC on loopback, 10 ms ticks, a log retention
 * of 5 entries and small log segments (so compaction and snapshots happen within a test).
 * Requests go through the node's real RPC handler (`routed` finds the leader). Call
 * `closeAll` after each test.
 */
import { expect } from 'vitest'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import type { ClusterFile } from '../../shared/config/cluster-file.ts'
import { parseClusterFile } from '../../shared/config/cluster-file.ts'
import { SilentLogger } from '../../shared/log.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import type { RpcContext } from '../../shared/rpc/rpc-handler.ts'
import { SystemClock, SystemTimers } from '../../shared/time/clock.ts'
import { freePort, waitFor } from '../../test/harness/processes.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import { makeHandler } from './dispatch.ts'
import { StorageNode } from './storage-node.ts'

export const clock = new SystemClock()
const timers = new SystemTimers()
export const ids = ['n1', 'n2', 'n3']
export const shard = 0
const running: StorageNode[] = []

export interface Cluster {
  cluster: ClusterFile
  fss: Map<string, MemFileSystem>
  nodes: Map<string, StorageNode>
}

export async function openNode(
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

export async function closeNode(c: Cluster, id: string): Promise<void> {
  const node = c.nodes.get(id)!
  c.nodes.delete(id)
  running.splice(running.indexOf(node), 1)
  await node.close()
}

export async function startCluster(): Promise<Cluster> {
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

export function context(): RpcContext {
  return {
    deadlineMs: clock.monotonicMs() + 5_000,
    signal: new AbortController().signal,
    peerNodeId: 'test',
    oneWay: false,
  }
}

/** Calls `method` on the live nodes until one answers other than not-leader. */
export async function routed(
  c: Cluster,
  method: string,
  params: unknown,
): Promise<{ kind: string }> {
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

/** Closes every node the helper opened (and not yet closed). */
export async function closeAll(): Promise<void> {
  for (const node of running.splice(0)) await node.close().catch(() => undefined)
}

/** Creates `name` through the catalog leader and waits until every live replica has it. */
export async function createTable(c: Cluster, name: string): Promise<void> {
  const answer = await routed(c, StorageMethod.createTable, {
    name,
    settings: { ttlSeconds: null, maxVersions: 2, valueBytesMax: 1024 },
  })
  expect(answer.kind).toBe('created')
  await waitFor(
    'table everywhere',
    () =>
      [...c.nodes.values()].every(
        (n) => n.services.stateMachine.catalog.byName(name) !== undefined,
      ),
    { timeoutMs: 5_000 },
  )
}
