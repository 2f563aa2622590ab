// DashboardFeed, the dashboard's pure core: fed hand-made samples one second apart, its frames
// must show rates and ratios from counter differences over their windows, latency quantiles
// from histogram differences, sparklines aligned to ticks, and history bounded in length.
import { describe, expect, it } from 'vitest'
import { BucketHistogram } from '../../shared/metrics/bucket-histogram.ts'
import type { ClusterStatus } from '../backend/gateway-backend.ts'
import type { HotKey } from '../routes/hot-keys.ts'
import { DashboardFeed, type DashboardSample } from './dashboard-feed.ts'

const cluster: ClusterStatus = {
  epoch: 1,
  shardCount: 2,
  replicationFactor: 3,
  nodes: [
    { id: 'n1', address: '127.0.0.1:1', healthy: true },
    { id: 'n2', address: '127.0.0.1:2', healthy: false },
  ],
  shards: [
    { shard: 0, replicas: ['n1', 'n2'], leader: 'n1' },
    { shard: 1, replicas: ['n1', 'n2'], leader: 'n1' },
    { shard: 2, replicas: ['n2', 'n1'], leader: null },
  ],
}

function hotKey(key: string, ratePerSec: number): HotKey {
  return {
    table: 't',
    key,
    count: ratePerSec * 10,
    ratePerSec,
    readsPerSec: ratePerSec,
    writesPerSec: 0,
    errorPerSec: 0.5,
    share: 0.5,
    hot: ratePerSec > 100,
    firstHotAtMs: null,
  }
}

class Sampler {
  second = 0
  requests = 0
  clientReads = 0
  backendReads = 0
  cacheHits = 0
  cacheLookups = 0
  readonly latency = new BucketHistogram([0.001, 0.01, 0.1, 1])

  next(hotKeys: HotKey[]): DashboardSample {
    this.second++
    return {
      monotonicMs: this.second * 1000,
      wallMs: 1_700_000_000_000 + this.second * 1000,
      requests: this.requests,
      latencyBounds: this.latency.bounds,
      latencyCounts: this.latency.counts,
      clientReads: this.clientReads,
      backendReads: this.backendReads,
      cacheHits: this.cacheHits,
      cacheLookups: this.cacheLookups,
      hotKeys,
      cluster,
    }
  }
}

const options = { historySeconds: 5, topKeys: 2, latencyWindowSeconds: 2, ratioWindowSeconds: 3 }

describe('DashboardFeed', () => {
  it('DashboardFeed: first sample: zero rate, no ratio, cluster view with leader counts', () => {
    const feed = new DashboardFeed(options)
    const frame = feed.tick(new Sampler().next([]))
    expect(frame.requestsPerSec).toBe(0)
    expect(frame.coalescingRatio).toBeNull()
    expect(frame.cacheHitRatio).toBeNull()
    expect(frame.p99Ms).toBeNull()
    expect(frame.nodes).toEqual([
      { id: 'n1', address: '127.0.0.1:1', healthy: true, leads: 2 },
      { id: 'n2', address: '127.0.0.1:2', healthy: false, leads: 0 },
    ])
    expect(frame.groups.map((group) => group.leader)).toEqual(['n1', 'n1', null])
  })

  it('DashboardFeed: counters moving: rate per second and ratios over their windows', () => {
    const feed = new DashboardFeed(options)
    const sampler = new Sampler()
    feed.tick(sampler.next([]))
    sampler.requests += 250
    sampler.clientReads += 200
    sampler.backendReads += 10
    sampler.cacheHits += 30
    sampler.cacheLookups += 40
    const frame = feed.tick(sampler.next([]))
    expect(frame.requestsPerSec).toBe(250)
    expect(frame.coalescingRatio).toBe(20)
    expect(frame.cacheHitRatio).toBe(0.75)
    // Three more quiet seconds: the busy second leaves the 3 s ratio window.
    for (let i = 0; i < 3; i++) feed.tick(sampler.next([]))
    const quiet = feed.tick(sampler.next([]))
    expect(quiet.requestsPerSec).toBe(0)
    expect(quiet.coalescingRatio).toBeNull()
    expect(quiet.totals).toEqual({ requests: 250, clientReads: 200, backendReads: 10 })
  })

  it('DashboardFeed: latency: quantiles of the last window only', () => {
    const feed = new DashboardFeed(options)
    const sampler = new Sampler()
    for (let i = 0; i < 100; i++) sampler.latency.observe(0.5) // slow, long ago
    feed.tick(sampler.next([]))
    feed.tick(sampler.next([]))
    for (let i = 0; i < 99; i++) sampler.latency.observe(0.005)
    sampler.latency.observe(0.05)
    const frame = feed.tick(sampler.next([]))
    expect(frame.p50Ms).toBeGreaterThan(1)
    expect(frame.p50Ms).toBeLessThanOrEqual(10)
    expect(frame.p99Ms).toBeLessThanOrEqual(10)
  })

  it('DashboardFeed: sparklines: a point per kept tick, zero where the key was not listed', () => {
    const feed = new DashboardFeed(options)
    const sampler = new Sampler()
    feed.tick(sampler.next([hotKey('a', 50)]))
    feed.tick(sampler.next([hotKey('b', 500), hotKey('a', 60)]))
    const frame = feed.tick(sampler.next([hotKey('b', 700), hotKey('a', 40), hotKey('c', 1)]))
    expect(frame.hotKeys.map((key) => key.key)).toEqual(['b', 'a']) // topKeys = 2
    expect(frame.hotKeys[0]!.spark).toEqual([0, 500, 700])
    expect(frame.hotKeys[1]!.spark).toEqual([50, 60, 40])
    expect(frame.hotKeys[0]!.hot).toBe(true)
    for (let i = 0; i < 10; i++) feed.tick(sampler.next([hotKey('a', 1)]))
    const later = feed.tick(sampler.next([hotKey('a', 2)]))
    expect(later.hotKeys[0]!.spark).toHaveLength(5)
    expect(later.history.requestsPerSec).toHaveLength(5)
    expect(later.historySeconds).toBe(5)
  })

  it('DashboardFeed: a sample going back in time: assertion', () => {
    const feed = new DashboardFeed(options)
    const sampler = new Sampler()
    const first = sampler.next([])
    feed.tick(sampler.next([]))
    expect(() => feed.tick(first)).toThrow(/forward/)
  })
})
