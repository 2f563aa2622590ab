/**
 * A storage node's /metrics: Prometheus families built from the stats its parts keep (Raft host,
 * LSM, Raft log engine, RPC server), through a structural NodeMetricsSource so this module needs
 * no storage import (storage/main.ts adapts a StorageNode to it).
 *
 * Families: `shoal_raft_*_total` from the host's counters (entries applied, snapshots sent and
 * received, log compactions...); per shard `shoal_raft_is_leader`, `shoal_raft_term`,
 * `shoal_raft_commit_index`, `shoal_raft_applied_index`, `shoal_raft_apply_lag_entries`
 * (commit - applied) and `shoal_raft_leader_changes_total` (changes of the known leader, seen by
 * sampling: `sample()` runs on a timer and on every render, so flips shorter than the sampling
 * interval are missed); `shoal_raft_proposals_total` (entries this node appended as leader,
 * sampled the same way); `shoal_lsm_*` (writes, flushes, compactions, write stalls and stall
 * time, block cache hit ratio, value-log bytes and garbage, compaction debt); `shoal_raftlog_*`;
 * `shoal_rpc_server_*` counters and `shoal_rpc_server_duration_seconds{method}` (for kv.put /
 * kv.delete: proposal to apply on the leader, the write's commit latency as callers see it).
 */
import type { RpcMethodStats } from '../rpc/rpc-method-stats.ts'
import type { RpcServerStats } from '../rpc/rpc-server-stats.ts'
import { renderPrometheusText, single, type MetricFamily } from './prometheus-text.ts'
import { rpcServerFamilies, statsFamilies } from './stats-families.ts'

export interface RaftGroupStatus {
  readonly role: string
  readonly term: number
  /** Raft id of the known leader; 0 when none. */
  readonly leader: number
  readonly commit: number
  readonly applied: number
  readonly lastIndex: number
}

/** The LSM figures used here (a subset of storage/lsm/stats.ts DbStats). */
export interface LsmStats {
  readonly userWrites: number
  readonly flushes: number
  readonly compactions: number
  readonly compactionBytesWritten: number
  readonly stalls: number
  readonly stallMs: number
  readonly slowdowns: number
  readonly blockCacheHitRatio: number
  readonly filesPerLevel: readonly number[]
  readonly bytesPerLevel: readonly number[]
  readonly vlogBytes: number
  readonly vlogLiveBytes: number
}

/** How the LSM decides compactions (storage/lsm/options.ts), to estimate the debt. */
export interface LsmShape {
  readonly l0CompactionTrigger: number
  readonly levelBaseBytes: number
  readonly sizeRatio: number
}

export interface NodeMetricsSource {
  readonly nodeId: string
  /** This node's Raft id (to tell when it is the leader). */
  readonly raftId: number
  readonly raftStats: Readonly<Record<string, number>>
  groups(): readonly number[]
  groupStatus(group: number): RaftGroupStatus
  lsmStats(): LsmStats
  readonly lsmShape: LsmShape
  raftLogStats(): Readonly<Record<string, number>>
  readonly rpcServer: { readonly stats: RpcServerStats; readonly methodStats: RpcMethodStats }
}

/**
 * Bytes compaction still has to move before no level is over its target: L0 counts whole once
 * it holds the trigger's number of files; level n >= 1 counts what it holds over
 * levelBaseBytes * sizeRatio^(n-1). 0 when the tree is in shape.
 */
export function compactionDebtBytes(stats: LsmStats, shape: LsmShape): number {
  let debt = 0
  const l0Files = stats.filesPerLevel[0] ?? 0
  if (l0Files >= shape.l0CompactionTrigger) debt += stats.bytesPerLevel[0] ?? 0
  for (let level = 1; level < stats.bytesPerLevel.length; level++) {
    const target = shape.levelBaseBytes * Math.pow(shape.sizeRatio, level - 1)
    debt += Math.max(0, (stats.bytesPerLevel[level] ?? 0) - target)
  }
  return debt
}

interface GroupWatch {
  leader: number
  changes: number
  /** lastIndex at the previous sample while this node led (null: it did not). */
  ledAt: number | null
  proposals: number
}

export class NodeMetrics {
  readonly #source: NodeMetricsSource
  readonly #watch = new Map<number, GroupWatch>()

  constructor(source: NodeMetricsSource) {
    this.#source = source
    this.sample()
  }

  /** Notes leader changes and entries appended as leader since the last sample. */
  sample(): void {
    const self = this.#source.raftId
    for (const group of this.#source.groups()) {
      const status = this.#source.groupStatus(group)
      const watch = this.#watch.get(group)
      if (watch === undefined) {
        const ledAt = status.leader === self ? status.lastIndex : null
        this.#watch.set(group, { leader: status.leader, changes: 0, ledAt, proposals: 0 })
        continue
      }
      if (status.leader !== watch.leader && status.leader !== 0) {
        if (watch.leader !== 0) watch.changes++
        watch.leader = status.leader
      }
      if (status.leader === self && watch.ledAt !== null && status.lastIndex > watch.ledAt) {
        watch.proposals += status.lastIndex - watch.ledAt
      }
      watch.ledAt = status.leader === self ? status.lastIndex : null
    }
  }

  render(): string {
    this.sample()
    return renderPrometheusText([
      ...statsFamilies('shoal_raft', this.#source.raftStats),
      ...this.#groupFamilies(),
      ...this.#lsmFamilies(),
      ...statsFamilies('shoal_raftlog', this.#source.raftLogStats()),
      ...rpcServerFamilies(this.#source.rpcServer.stats),
      ...this.#rpcMethodFamilies(),
    ])
  }

  #groupFamilies(): MetricFamily[] {
    const rows = [...this.#watch.entries()].map(([group, watch]) => ({
      labels: { shard: String(group) },
      status: this.#source.groupStatus(group),
      watch,
    }))
    type Row = (typeof rows)[number]
    const family =
      (type: 'gauge' | 'counter') =>
      (name: string, help: string, value: (row: Row) => number): MetricFamily => ({
        type,
        name,
        help,
        samples: rows.map((row) => ({ labels: row.labels, value: value(row) })),
      })
    const gauge = family('gauge')
    const counter = family('counter')
    const self = this.#source.raftId
    return [
      gauge('shoal_raft_is_leader', '1 when this node leads the shard.', (r) =>
        r.status.leader === self ? 1 : 0,
      ),
      gauge('shoal_raft_term', 'Current Raft term of the shard replica.', (r) => r.status.term),
      gauge(
        'shoal_raft_commit_index',
        'Highest log index known committed.',
        (r) => r.status.commit,
      ),
      gauge('shoal_raft_applied_index', 'Highest log index applied.', (r) => r.status.applied),
      gauge('shoal_raft_apply_lag_entries', 'Committed entries not yet applied.', (r) =>
        Math.max(0, r.status.commit - r.status.applied),
      ),
      counter(
        'shoal_raft_leader_changes_total',
        'Leader changes seen (sampled).',
        (r) => r.watch.changes,
      ),
      counter(
        'shoal_raft_proposals_total',
        'Entries appended as leader (sampled).',
        (r) => r.watch.proposals,
      ),
    ]
  }

  #lsmFamilies(): MetricFamily[] {
    const lsm = this.#source.lsmStats()
    const counters = {
      userWrites: lsm.userWrites,
      flushes: lsm.flushes,
      compactions: lsm.compactions,
      compactionBytesWritten: lsm.compactionBytesWritten,
      writeStalls: lsm.stalls,
      writeSlowdowns: lsm.slowdowns,
    }
    return [
      ...statsFamilies('shoal_lsm', counters),
      single(
        'counter',
        'shoal_lsm_write_stall_seconds_total',
        'Time writers were stalled.',
        lsm.stallMs / 1000,
      ),
      single(
        'gauge',
        'shoal_lsm_block_cache_hit_ratio',
        'Block cache hits / lookups.',
        lsm.blockCacheHitRatio,
      ),
      single(
        'gauge',
        'shoal_lsm_compaction_debt_bytes',
        'Bytes over level targets.',
        compactionDebtBytes(lsm, this.#source.lsmShape),
      ),
      single('gauge', 'shoal_lsm_vlog_bytes', 'Value-log file bytes.', lsm.vlogBytes),
      single(
        'gauge',
        'shoal_lsm_vlog_garbage_bytes',
        'Value-log bytes no longer referenced.',
        Math.max(0, lsm.vlogBytes - lsm.vlogLiveBytes),
      ),
    ]
  }

  #rpcMethodFamilies(): MetricFamily[] {
    const entries = [...this.#source.rpcServer.methodStats.entries()]
    return [
      {
        type: 'histogram',
        name: 'shoal_rpc_server_duration_seconds',
        help: 'RPC request handling time by method (dispatch to answer).',
        samples: entries.map(([method, series]) => ({
          labels: { method },
          bounds: series.histogram.bounds,
          counts: series.histogram.counts,
          sum: series.histogram.sum,
        })),
      },
      {
        type: 'counter',
        name: 'shoal_rpc_server_method_errors_total',
        help: 'RPC requests answered with an error, by method.',
        samples: entries.map(([method, series]) => ({ labels: { method }, value: series.errors })),
      },
    ]
  }
}
