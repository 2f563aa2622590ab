/**
 * RequestMetrics: what the latency middleware counts about every HTTP request: a duration
 * histogram per (route template, method, status class, consistency) for /metrics
 * (`http_server_request_duration_seconds`, OpenTelemetry's `http.server.request.duration`),
 * one fine-grained histogram of all requests for the dashboard's p50/p99, and errors by code.
 *
 * Cardinality is bounded: routes are templates, methods and status classes are closed sets, the
 * consistency label has three values, error codes are the closed ShoalError union; a label set
 * beyond `seriesMax` is counted under route="(other)" rather than growing the map.
 */
import { assert } from '../../shared/assert.ts'
import { limits } from '../../shared/limits.ts'
import { BucketHistogram, exponentialBounds } from '../../shared/metrics/bucket-histogram.ts'
import type { HistogramSample, MetricFamily } from '../../shared/metrics/prometheus-text.ts'

/** OpenTelemetry's default boundaries for http.server.request.duration, with finer low end. */
export const requestDurationBoundsSeconds: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5,
  7.5, 10,
]

/** ~9% wide buckets from 50 us to 60 s: the dashboard's quantiles are within that. */
export const fineBoundsSeconds: readonly number[] = exponentialBounds(0.00005, 1.09, 60)

export type Consistency = 'strong' | 'eventual' | 'none'

export interface RequestObservation {
  readonly route: string
  readonly method: string
  readonly status: number
  readonly consistency: Consistency
  readonly seconds: number
  /** The ShoalError code of an error answer, else null. */
  readonly errorCode: string | null
}

const knownMethods = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'])

interface Series {
  readonly labels: Readonly<Record<string, string>>
  readonly histogram: BucketHistogram
}

export function statusClassOf(status: number): string {
  assert(Number.isInteger(status) && status >= 100 && status <= 599, 'an HTTP status')
  return `${Math.floor(status / 100)}xx`
}

export class RequestMetrics {
  readonly stats = { requests: 0, seriesOverflowed: 0 }
  /** Every request's duration in seconds, fine buckets (the dashboard reads snapshots). */
  readonly all = new BucketHistogram(fineBoundsSeconds)
  readonly #series = new Map<string, Series>()
  readonly #errorsByCode = new Map<string, number>()
  readonly #seriesMax: number

  constructor(options: { seriesMax: number } = { seriesMax: limits.gatewayMetricSeriesMax }) {
    assert(options.seriesMax >= 1, 'seriesMax must be at least 1')
    this.#seriesMax = options.seriesMax
  }

  observe(observation: RequestObservation): void {
    const seconds = Math.max(0, observation.seconds)
    this.stats.requests++
    this.all.observe(seconds)
    const method = knownMethods.has(observation.method) ? observation.method : 'OTHER'
    const statusClass = statusClassOf(observation.status)
    this.#seriesOf(observation.route, method, statusClass, observation.consistency).observe(seconds)
    if (observation.errorCode !== null) {
      const count = this.#errorsByCode.get(observation.errorCode) ?? 0
      this.#errorsByCode.set(observation.errorCode, count + 1)
    }
  }

  /**
   * The histogram of one label set, resolved once: a caller with a few fixed label sets (the
   * edge's fast path) observes through `observeIn` without building the series key per request.
   */
  seriesFor(labels: Omit<RequestObservation, 'seconds' | 'errorCode'>): BucketHistogram {
    const method = knownMethods.has(labels.method) ? labels.method : 'OTHER'
    return this.#seriesOf(labels.route, method, statusClassOf(labels.status), labels.consistency)
  }

  /** `observe` for a success answer whose series `seriesFor` resolved. */
  observeIn(series: BucketHistogram, seconds: number): void {
    const clamped = Math.max(0, seconds)
    this.stats.requests++
    this.all.observe(clamped)
    series.observe(clamped)
  }

  #seriesOf(
    route: string,
    method: string,
    statusClass: string,
    consistency: string,
  ): BucketHistogram {
    const key = `${route}\u0000${method}\u0000${statusClass}\u0000${consistency}`
    const existing = this.#series.get(key)
    if (existing !== undefined) return existing.histogram
    if (this.#series.size >= this.#seriesMax && route !== '(other)') {
      this.stats.seriesOverflowed++
      return this.#seriesOf('(other)', method, statusClass, consistency)
    }
    const labels = {
      http_route: route,
      http_request_method: method,
      http_response_status_class: statusClass,
      shoal_consistency: consistency,
    }
    const histogram = new BucketHistogram(requestDurationBoundsSeconds)
    this.#series.set(key, { labels, histogram })
    return histogram
  }

  /** Answered errors by ShoalError code. */
  errorsByCode(): ReadonlyMap<string, number> {
    return this.#errorsByCode
  }

  families(): MetricFamily[] {
    const samples: HistogramSample[] = [...this.#series.values()].map((series) => ({
      labels: series.labels,
      bounds: series.histogram.bounds,
      counts: series.histogram.counts,
      sum: series.histogram.sum,
    }))
    return [
      {
        type: 'histogram',
        name: 'http_server_request_duration_seconds',
        help: 'Duration of HTTP server requests (to the response head), by route template.',
        samples,
      },
      {
        type: 'counter',
        name: 'shoal_http_errors_total',
        help: 'Error answers by ShoalError code.',
        samples: [...this.#errorsByCode].map(([code, value]) => ({ labels: { code }, value })),
      },
    ]
  }
}
