// Goal: the node metrics' derived figures are right: compaction debt per the leveled targets,
// leader changes and proposals counted from successive samples, apply lag, and the whole text
// parses. Method: a NodeMetricsSource built from plain values the test changes between samples
// (the real wiring to a StorageNode is covered by test/e2e/node-metrics.e2e.test.ts).
import { describe, expect, it } from 'vitest'
import { RpcMethodStats } from '../rpc/rpc-method-stats.ts'
import { newRpcServerStats } from '../rpc/rpc-server-stats.ts'
import {
  compactionDebtBytes,
  NodeMetrics,
  type LsmStats,
  type NodeMetricsSource,
  type RaftGroupStatus,
} from './node-metrics.ts'
import { parsePrometheusText, sampleValue } from './parse-prometheus.test-helper.ts'

const shape = { l0CompactionTrigger: 4, levelBaseBytes: 100, sizeRatio: 10 }

function lsm(filesPerLevel: number[], bytesPerLevel: number[]): LsmStats {
  return {
    userWrites: 5,
    flushes: 1,
    compactions: 0,
    compactionBytesWritten: 0,
    stalls: 2,
    stallMs: 1500,
    slowdowns: 0,
    blockCacheHitRatio: 0.75,
    filesPerLevel,
    bytesPerLevel,
    vlogBytes: 1000,
    vlogLiveBytes: 600,
  }
}

describe('node metrics', () => {
  it('compaction debt: zero in shape; L0 over its trigger and bytes over level targets', () => {
    expect(compactionDebtBytes(lsm([3, 1, 1], [300, 100, 1000]), shape)).toBe(0)
    expect(compactionDebtBytes(lsm([4, 1, 1], [300, 100, 1000]), shape)).toBe(300)
    expect(compactionDebtBytes(lsm([0, 2, 3], [0, 250, 1200]), shape)).toBe(150 + 200)
  })

  it('node metrics: samples: leader changes, proposals as leader and apply lag', () => {
    const groups = new Map<number, RaftGroupStatus>([
      [0, { role: 'leader', term: 2, leader: 1, commit: 10, applied: 10, lastIndex: 10 }],
      [1, { role: 'follower', term: 2, leader: 2, commit: 7, applied: 5, lastIndex: 7 }],
    ])
    const rpcServer = { stats: newRpcServerStats(), methodStats: new RpcMethodStats() }
    rpcServer.methodStats.observe('kv.put', 0.003, false)
    const source: NodeMetricsSource = {
      nodeId: 'n1',
      raftId: 1,
      raftStats: { entriesApplied: 17, snapshotsSent: 1 },
      groups: () => [...groups.keys()],
      groupStatus: (group) => groups.get(group)!,
      lsmStats: () => lsm([0], [0]),
      lsmShape: shape,
      raftLogStats: () => ({ syncs: 3 }),
      rpcServer,
    }
    const metrics = new NodeMetrics(source)
    groups.set(0, { role: 'leader', term: 2, leader: 1, commit: 14, applied: 14, lastIndex: 15 })
    metrics.sample()
    groups.set(1, { role: 'candidate', term: 3, leader: 0, commit: 7, applied: 7, lastIndex: 7 })
    metrics.sample()
    groups.set(1, { role: 'follower', term: 3, leader: 3, commit: 8, applied: 7, lastIndex: 8 })
    const families = parsePrometheusText(metrics.render())
    const shard = (n: number) => ({ shard: String(n) })
    expect(sampleValue(families, 'shoal_raft_proposals_total', shard(0))).toBe(5)
    expect(sampleValue(families, 'shoal_raft_proposals_total', shard(1))).toBe(0)
    expect(sampleValue(families, 'shoal_raft_leader_changes_total', shard(0))).toBe(0)
    expect(sampleValue(families, 'shoal_raft_leader_changes_total', shard(1))).toBe(1)
    expect(sampleValue(families, 'shoal_raft_is_leader', shard(0))).toBe(1)
    expect(sampleValue(families, 'shoal_raft_apply_lag_entries', shard(1))).toBe(1)
    expect(sampleValue(families, 'shoal_raft_entries_applied_total')).toBe(17)
    expect(sampleValue(families, 'shoal_lsm_write_stall_seconds_total')).toBe(1.5)
    expect(sampleValue(families, 'shoal_lsm_vlog_garbage_bytes')).toBe(400)
    expect(sampleValue(families, 'shoal_raftlog_syncs_total')).toBe(3)
    const put = { method: 'kv.put' }
    expect(sampleValue(families, 'shoal_rpc_server_duration_seconds_count', put)).toBe(1)
  })

  it('rpc method stats: past the method limit, new names share the (other) series', () => {
    const stats = new RpcMethodStats(2)
    for (const method of ['a', 'b', 'c', 'd', 'a']) stats.observe(method, 0.001, method === 'd')
    const seen = new Map([...stats.entries()].map(([name, s]) => [name, s.histogram.count]))
    expect(seen).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
        ['(other)', 2],
      ]),
    )
    expect([...stats.entries()].find(([name]) => name === '(other)')?.[1].errors).toBe(1)
  })
})
