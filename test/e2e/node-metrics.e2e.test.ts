// Goal: every storage node serves /metrics in the Prometheus text format, with the Raft, LSM and
// RPC families operators rely on, and the counters move as known writes imply. Method: a real
// 3-node cluster (node processes started with SHOAL_METRICS_LISTEN=127.0.0.1:0; each prints its
// metrics port), scrape every node, make 60 majority writes through the fixture's routed RPC
// client, scrape again and compare; the text goes through the strict exposition parser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  parsePrometheusText,
  sampleSum,
  type ParsedFamily,
} from '../../shared/metrics/parse-prometheus.test-helper.ts'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'
import { waitFor } from '../harness/processes.ts'

type Scrape = Map<string, ParsedFamily>

let fixture: ClusterFixture
const metricsPorts = new Map<string, number>()
const writes = 60

async function scrape(nodeId: string): Promise<Scrape> {
  const response = await fetch(`http://127.0.0.1:${metricsPorts.get(nodeId)}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parsePrometheusText(await response.text())
}

async function scrapeAll(): Promise<Scrape[]> {
  return Promise.all(fixture.nodes.map((node) => scrape(node.id)))
}

function total(scrapes: Scrape[], name: string, labels: Record<string, string> = {}): number {
  return scrapes.reduce((sum, families) => sum + sampleSum(families, name, labels), 0)
}

beforeAll(async () => {
  fixture = await ClusterFixture.start({
    nodes: 3,
    shardCount: 2,
    env: { SHOAL_METRICS_LISTEN: '127.0.0.1:0' },
  })
  for (const node of fixture.nodes) {
    const match = /shoal-storage metrics node=\S+ port=(\d+)/.exec(node.process!.output())
    expect(match, `${node.id} printed its metrics port`).not.toBeNull()
    metricsPorts.set(node.id, Number(match![1]))
  }
  await fixture.waitForLeaders()
  await fixture.createTable('metered')
}, 90_000)

afterAll(async () => {
  if (fixture !== undefined) await fixture.close()
})

describe('node metrics e2e', () => {
  it('node metrics e2e: a scrape of each node: parses, with every family', async () => {
    for (const families of await scrapeAll()) {
      for (const name of [
        'shoal_raft_entries_applied_total',
        'shoal_raft_snapshots_sent_total',
        'shoal_raft_snapshots_received_total',
        'shoal_raft_is_leader',
        'shoal_raft_apply_lag_entries',
        'shoal_raft_leader_changes_total',
        'shoal_raft_proposals_total',
        'shoal_lsm_write_stalls_total',
        'shoal_lsm_write_stall_seconds_total',
        'shoal_lsm_block_cache_hit_ratio',
        'shoal_lsm_compaction_debt_bytes',
        'shoal_lsm_vlog_garbage_bytes',
        'shoal_raftlog_syncs_total',
        'shoal_rpc_server_requests_total',
        'shoal_rpc_server_duration_seconds',
      ]) {
        expect(families.has(name), name).toBe(true)
      }
    }
  })

  it('node metrics e2e: every shard: exactly one node reports itself leader', async () => {
    await waitFor(
      'one leader per shard in the metrics',
      async () => {
        const scrapes = await scrapeAll()
        return [0, 1, 2].every(
          (shard) => total(scrapes, 'shoal_raft_is_leader', { shard: String(shard) }) === 1,
        )
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    )
  })

  it('node metrics e2e: 60 writes: proposals, applies, LSM writes, put times move', async () => {
    const before = await scrapeAll()
    for (let i = 0; i < writes; i++) {
      const answer = await fixture.put('metered', `key-${i}`, new TextEncoder().encode(`v${i}`))
      expect(answer.kind).toBe('ok')
    }
    const putCount = { method: 'kv.put' }
    await waitFor(
      'every replica applied the writes',
      async () => {
        const after = await scrapeAll()
        return after.every(
          (families, i) =>
            sampleSum(families, 'shoal_lsm_user_writes_total') -
              sampleSum(before[i]!, 'shoal_lsm_user_writes_total') >=
            writes,
        )
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    )
    const after = await scrapeAll()
    const moved = (name: string, labels: Record<string, string> = {}): number =>
      total(after, name, labels) - total(before, name, labels)
    // Each write is one entry a leader appended, applied on all three replicas.
    expect(moved('shoal_raft_proposals_total')).toBeGreaterThanOrEqual(writes)
    expect(moved('shoal_raft_proposals_total')).toBeLessThan(writes + 10)
    expect(moved('shoal_raft_entries_applied_total')).toBeGreaterThanOrEqual(3 * writes)
    expect(moved('shoal_rpc_server_duration_seconds_count', putCount)).toBeGreaterThanOrEqual(
      writes,
    )
    expect(moved('shoal_rpc_server_duration_seconds_sum', putCount)).toBeGreaterThan(0)
    expect(moved('shoal_rpc_server_requests_total')).toBeGreaterThanOrEqual(writes)
    expect(total(after, 'shoal_raft_apply_lag_entries')).toBe(0)
    expect(moved('shoal_raft_leader_changes_total')).toBe(0)
  })
})
