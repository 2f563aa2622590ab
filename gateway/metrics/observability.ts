/**
 * Observability: the gateway's metrics and dashboard wired together (a shell). It owns the
 * request metrics the latency middleware feeds, renders /metrics from the cores' stats, and once
 * a second samples the same counters into the DashboardFeed and publishes the frame to the SSE
 * hub. buildApp installs its middleware and routes when `deps.observability` is given.
 */
import { limits } from '../../shared/limits.ts'
import { renderPrometheusText, single } from '../../shared/metrics/prometheus-text.ts'
import type { Clock, TimerHandle, Timers } from '../../shared/time/clock.ts'
import type { BuiltClusterBackend } from '../backend/build-cluster-backend.ts'
import { DashboardFeed, type DashboardFrame } from '../dashboard/dashboard-feed.ts'
import { DashboardHub } from '../dashboard/dashboard-hub.ts'
import type { HotKeySource } from '../routes/hot-keys.ts'
import { gatewayMetricFamilies, type GatewayMetricSources } from './gateway-metrics.ts'
import { RequestMetrics } from './request-metrics.ts'

export interface ObservabilitySources extends Omit<GatewayMetricSources, 'requests'> {
  readonly hotKeys: HotKeySource
}

/** The hot-key window the dashboard and the hot-key gauge read (the detector's own window). */
const hotKeysWindowMs = 10_000
const tickMs = 1_000

export class Observability {
  readonly requests = new RequestMetrics()
  readonly hub = new DashboardHub({
    connectionsMax: limits.dashboardConnectionsMax,
    queuedFramesMax: 4,
    droppedFramesMax: 30,
    retryMs: 2_000,
  })
  readonly #feed = new DashboardFeed({
    historySeconds: limits.dashboardHistorySeconds,
    topKeys: limits.dashboardTopKeys,
    latencyWindowSeconds: 5,
    ratioWindowSeconds: 10,
  })
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #sources: ObservabilitySources
  #timer: TimerHandle | null = null
  #lastFrame: DashboardFrame | null = null

  constructor(clock: Clock, timers: Timers, sources: ObservabilitySources) {
    this.#clock = clock
    this.#timers = timers
    this.#sources = sources
  }

  /** The /metrics body. */
  renderMetrics(): string {
    const hub = this.hub.stats
    return renderPrometheusText([
      ...gatewayMetricFamilies({ ...this.#sources, requests: this.requests }),
      single(
        'gauge',
        'shoal_dashboard_viewers',
        'Dashboard SSE viewers now.',
        this.hub.viewerCount,
      ),
      single('counter', 'shoal_dashboard_refused_total', 'Viewers refused (limit).', hub.refused),
      single('counter', 'shoal_dashboard_frames_sent_total', 'Frames sent.', hub.framesSent),
      single(
        'counter',
        'shoal_dashboard_frames_dropped_total',
        'Frames dropped for a viewer whose queue was full.',
        hub.framesDropped,
      ),
    ])
  }

  /** Samples the counters, advances the feed and publishes the frame; returns it. */
  tick(): DashboardFrame {
    const sources = this.#sources
    const cache = sources.hotCache.stats
    const frame = this.#feed.tick({
      monotonicMs: this.#clock.monotonicMs(),
      wallMs: this.#clock.wallMs(),
      requests: this.requests.stats.requests,
      latencyBounds: this.requests.all.bounds,
      latencyCounts: this.requests.all.counts,
      clientReads: sources.coalescer.stats.clientReads,
      backendReads: sources.coalescer.stats.backendReads,
      cacheHits: cache.hits,
      cacheLookups: cache.hits + cache.misses + cache.tooStale,
      hotKeys: sources.hotKeys.top({ windowMs: hotKeysWindowMs, limit: limits.dashboardTopKeys }),
      cluster: sources.watcher.clusterStatus(),
    })
    this.#lastFrame = frame
    this.hub.publish(frame)
    return frame
  }

  get lastFrame(): DashboardFrame | null {
    return this.#lastFrame
  }

  start(): void {
    if (this.#timer !== null) return
    this.#timer = this.#timers.every(tickMs, () => void this.tick())
  }

  stop(): void {
    this.#timer?.cancel()
    this.#timer = null
    this.hub.closeAll()
  }
}

/** Observability over the real backend graph (main.ts and the end-to-end tests). */
export function clusterObservability(
  clock: Clock,
  timers: Timers,
  cluster: BuiltClusterBackend,
): Observability {
  return new Observability(clock, timers, {
    coalescer: cluster.coalescer,
    hotCache: cluster.hot.cache,
    detector: cluster.hot.detector,
    hotKeyCount: () =>
      cluster.hot
        .top({ windowMs: hotKeysWindowMs, limit: limits.hotKeysTrackedMax })
        .filter((key) => key.hot).length,
    caller: cluster.caller,
    pool: cluster.pool,
    leaders: cluster.leaders,
    watcher: cluster.watcher,
    hotKeys: cluster.hot,
  })
}
