/**
 * The operators' pages: `GET /dashboard` (the live hot-key dashboard) and `GET /dashboard/events`
 * (its Server-Sent Events: one `frame` a second; 503 with Retry-After past the viewer limit).
 * The API reference (/docs) is routes/docs.ts. Outside /v1/*, so not behind API keys: the
 * dashboard names hot keys, so serve it to operators only (loopback or an operators' network),
 * as with /metrics.
 */
import type { Hono } from 'hono'
import { ShoalError } from '../../shared/errors.ts'
import type { DashboardHub } from '../dashboard/dashboard-hub.ts'
import { dashboardHtml, pageSecurityHeaders } from '../dashboard/dashboard-page.ts'
import type { EdgeEnv } from '../middleware/edge-env.ts'

export const dashboardPath = '/dashboard'
export const dashboardEventsPath = '/dashboard/events'

export interface DashboardRouteDeps {
  readonly hub: DashboardHub
}

const htmlHeaders = { ...pageSecurityHeaders, 'content-type': 'text/html; charset=utf-8' }

export function registerDashboardRoutes(app: Hono<EdgeEnv>, deps: DashboardRouteDeps): void {
  app.get(dashboardPath, (c) => c.body(dashboardHtml, 200, htmlHeaders))
  app.get(dashboardEventsPath, (c) => {
    // The request's own signal (client gone), not the deadline's: a stream outlives deadlines.
    const response = deps.hub.open(c.req.raw.signal)
    if (response === null) {
      throw new ShoalError('overloaded', 'too many dashboard viewers; retry later')
    }
    return response
  })
}
