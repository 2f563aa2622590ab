/**
 * `GET /metrics`: the gateway's metrics in the Prometheus text format (0.0.4). Outside /v1/*,
 * so not behind API keys: scrape it from the operators' network (it names no key or value).
 */
import type { Hono } from 'hono'
import { prometheusContentType } from '../../shared/metrics/prometheus-text.ts'
import type { EdgeEnv } from '../middleware/edge-env.ts'

export const metricsPath = '/metrics'

export interface MetricsRouteDeps {
  /** The exposition text, rendered at each scrape from the cores' counters. */
  readonly render: () => string
}

export function registerMetricsRoute(app: Hono<EdgeEnv>, deps: MetricsRouteDeps): void {
  app.get(metricsPath, (c) =>
    c.body(deps.render(), 200, {
      'content-type': prometheusContentType,
      'cache-control': 'no-store',
    }),
  )
}
