/**
 * DashboardFeed: the dashboard's numbers, as a pure core. Once a second the shell hands it a
 * sample of the gateway's cumulative counters, the hot-key report and the cluster status; it
 * keeps the last `historySeconds` samples (bounded) and derives one frame: request rate, p50 and
 * p99 latency, coalescing and cache hit ratios over recent intervals, their one-minute history,
 * the top hot keys each with a one-minute sparkline of its estimated rate, and node and group
 * health with leaders. Time is the sample's `monotonicMs`; nothing here reads a clock.
 */
import { assert } from '../../shared/assert.ts'
import { countsBetween, quantileOf } from '../../shared/metrics/bucket-histogram.ts'
import type { ClusterStatus } from '../backend/gateway-backend.ts'
import type { HotKey } from '../routes/hot-keys.ts'

export interface DashboardSample {
  readonly monotonicMs: number
  readonly wallMs: number
  /** Requests answered since start. */
  readonly requests: number
  /** The all-requests latency histogram (seconds): its bounds and cumulative bucket counts. */
  readonly latencyBounds: readonly number[]
  readonly latencyCounts: readonly number[]
  readonly clientReads: number
  readonly backendReads: number
  readonly cacheHits: number
  /** Hits + misses + too stale: every lookup of the hot cache. */
  readonly cacheLookups: number
  readonly hotKeys: readonly HotKey[]
  readonly cluster: ClusterStatus
}

export interface DashboardHotKey {
  readonly table: string
  readonly key: string
  readonly ratePerSec: number
  readonly errorPerSec: number
  readonly readsPerSec: number
  readonly writesPerSec: number
  readonly share: number
  readonly hot: boolean
  /** Estimated rate at each of the last historySeconds samples, oldest first. */
  readonly spark: readonly number[]
}

export interface DashboardFrame {
  readonly wallMs: number
  /** Length the history and sparkline arrays grow to (the page pads shorter ones on the left). */
  readonly historySeconds: number
  readonly requestsPerSec: number
  readonly p50Ms: number | null
  readonly p99Ms: number | null
  /** Client reads per backend read over the ratio window; null when no backend read. */
  readonly coalescingRatio: number | null
  readonly cacheHitRatio: number | null
  readonly totals: { readonly requests: number; clientReads: number; backendReads: number }
  readonly history: {
    readonly requestsPerSec: readonly number[]
    readonly p99Ms: ReadonlyArray<number | null>
    readonly coalescingRatio: ReadonlyArray<number | null>
  }
  readonly hotKeys: readonly DashboardHotKey[]
  readonly nodes: ReadonlyArray<{ id: string; address: string; healthy: boolean; leads: number }>
  readonly groups: ReadonlyArray<{ shard: number; leader: string | null; replicas: string[] }>
}

export interface DashboardFeedOptions {
  readonly historySeconds: number
  readonly topKeys: number
  /** Latency quantiles are over this many seconds (a 1 s window is often empty). */
  readonly latencyWindowSeconds: number
  /** Coalescing and cache ratios are over this many seconds. */
  readonly ratioWindowSeconds: number
}

interface Tick {
  readonly sample: DashboardSample
  readonly requestsPerSec: number
  readonly p99Ms: number | null
  readonly coalescingRatio: number | null
  /** `table/key` -> estimated rate, for the keys listed at this tick. */
  readonly keyRates: ReadonlyMap<string, number>
}

/** Three significant digits: the page shows no more, and frames stay small. */
export function round3(value: number): number {
  return value === 0 || !Number.isFinite(value) ? value : Number(value.toPrecision(3))
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? round3(numerator / denominator) : null
}

export class DashboardFeed {
  readonly #options: DashboardFeedOptions
  /** The last historySeconds ticks, oldest first. Invariant: length <= historySeconds. */
  readonly #ticks: Tick[] = []

  constructor(options: DashboardFeedOptions) {
    assert(options.historySeconds >= 2, 'historySeconds must be at least 2')
    assert(options.topKeys >= 1, 'topKeys must be at least 1')
    assert(options.latencyWindowSeconds >= 1, 'latencyWindowSeconds must be at least 1')
    assert(options.ratioWindowSeconds >= 1, 'ratioWindowSeconds must be at least 1')
    this.#options = options
  }

  /** The sample `seconds` ticks back (or the oldest kept), or null before any tick. */
  #back(seconds: number): DashboardSample | null {
    const index = Math.max(0, this.#ticks.length - seconds)
    return this.#ticks[index]?.sample ?? null
  }

  #latencyMs(sample: DashboardSample, q: number): number | null {
    const before = this.#back(this.#options.latencyWindowSeconds)
    const counts =
      before === null
        ? sample.latencyCounts
        : countsBetween(before.latencyCounts, sample.latencyCounts)
    const seconds = quantileOf(sample.latencyBounds, counts, q)
    return seconds === null ? null : round3(seconds * 1000)
  }

  /** Adds one sample and returns the frame for it. */
  tick(sample: DashboardSample): DashboardFrame {
    const last = this.#ticks[this.#ticks.length - 1]?.sample
    if (last !== undefined) assert(sample.monotonicMs >= last.monotonicMs, 'samples go forward')
    const elapsedSeconds = last === undefined ? 0 : (sample.monotonicMs - last.monotonicMs) / 1000
    const requestsPerSec =
      last === undefined || elapsedSeconds <= 0
        ? 0
        : round3((sample.requests - last.requests) / elapsedSeconds)
    const since = this.#back(this.#options.ratioWindowSeconds) ?? sample
    const coalescingRatio = ratio(
      sample.clientReads - since.clientReads,
      sample.backendReads - since.backendReads,
    )
    const cacheHitRatio = ratio(
      sample.cacheHits - since.cacheHits,
      sample.cacheLookups - since.cacheLookups,
    )
    const p99Ms = this.#latencyMs(sample, 0.99)
    const p50Ms = this.#latencyMs(sample, 0.5)
    const listed = sample.hotKeys.slice(0, this.#options.topKeys)
    const keyRates = new Map(listed.map((key) => [`${key.table}/${key.key}`, key.ratePerSec]))
    this.#ticks.push({ sample, requestsPerSec, p99Ms, coalescingRatio, keyRates })
    if (this.#ticks.length > this.#options.historySeconds) this.#ticks.shift()
    return {
      wallMs: sample.wallMs,
      historySeconds: this.#options.historySeconds,
      requestsPerSec,
      p50Ms,
      p99Ms,
      coalescingRatio,
      cacheHitRatio,
      totals: {
        requests: sample.requests,
        clientReads: sample.clientReads,
        backendReads: sample.backendReads,
      },
      history: {
        requestsPerSec: this.#ticks.map((tick) => tick.requestsPerSec),
        p99Ms: this.#ticks.map((tick) => tick.p99Ms),
        coalescingRatio: this.#ticks.map((tick) => tick.coalescingRatio),
      },
      hotKeys: listed.map((key) => this.#hotKey(key)),
      ...clusterView(sample.cluster),
    }
  }

  #hotKey(key: HotKey): DashboardHotKey {
    const id = `${key.table}/${key.key}`
    return {
      table: key.table,
      key: key.key,
      ratePerSec: round3(key.ratePerSec),
      errorPerSec: round3(key.errorPerSec),
      readsPerSec: round3(key.readsPerSec),
      writesPerSec: round3(key.writesPerSec),
      share: round3(key.share),
      hot: key.hot,
      spark: this.#ticks.map((tick) => round3(tick.keyRates.get(id) ?? 0)),
    }
  }
}

function clusterView(status: ClusterStatus): Pick<DashboardFrame, 'nodes' | 'groups'> {
  const leads = new Map<string, number>()
  for (const shard of status.shards) {
    if (shard.leader !== null) leads.set(shard.leader, (leads.get(shard.leader) ?? 0) + 1)
  }
  return {
    nodes: status.nodes.map((node) => ({
      id: node.id,
      address: node.address,
      healthy: node.healthy,
      leads: leads.get(node.id) ?? 0,
    })),
    groups: status.shards.map((shard) => ({
      shard: shard.shard,
      leader: shard.leader,
      replicas: [...shard.replicas],
    })),
  }
}
