/**
 * The latency middleware: installed first, it times every request from arrival to the response
 * head (a streamed body such as the dashboard's SSE is not included) and hands one observation
 * to RequestMetrics. It sees errors too: Hono's compose has already turned a thrown error into
 * its problem response (and kept the error as `c.error`) when `next()` returns here.
 *
 * Labels. The route is the matched handler's template (`/v1/tables/:table/keys/:key`), never
 * the raw path, so cardinality stays bounded; an unmatched request is "(unmatched)". The
 * consistency is the `consistency` query parameter of the read routes (strong when absent);
 * multi-get carries it in its body, which is not parsed twice: "none", as for writes.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import { ShoalError } from '../../shared/errors.ts'
import type { Clock } from '../../shared/time/clock.ts'
import type { EdgeEnv } from '../middleware/edge-env.ts'
import { plainKeyPath, sortKeyPath } from '../routes/items.ts'
import { scanPath } from '../routes/scan.ts'
import { plainVersionsPath, sortVersionsPath } from '../routes/versions.ts'
import type { Consistency, RequestMetrics } from './request-metrics.ts'

/** GET routes that take `?consistency=strong|eventual` (strong by default). */
const readRoutes: ReadonlySet<string> = new Set([
  plainKeyPath,
  sortKeyPath,
  scanPath,
  plainVersionsPath,
  sortVersionsPath,
])

/** The template of the handler that answered: the first matched route that is not `use`. */
export function routeTemplateOf(c: Context): string {
  for (const route of matchedRoutes(c)) {
    if (route.method !== 'ALL') return route.path
  }
  return '(unmatched)'
}

function consistencyOf(c: Context, route: string): Consistency {
  if (c.req.method !== 'GET' || !readRoutes.has(route)) return 'none'
  const asked = c.req.query('consistency')
  if (asked === undefined || asked === 'strong') return 'strong'
  return asked === 'eventual' ? 'eventual' : 'none'
}

/** The error code of an error answer: the thrown ShoalError's, else one implied by status. */
function errorCodeOf(c: Context, status: number): string | null {
  if (status < 400) return null
  const error: unknown = c.error
  if (error instanceof ShoalError) return error.code
  if (error !== undefined) return 'internal'
  if (status === 404) return 'not-found' // the not-found handler answers without throwing
  if (status === 503) return 'unavailable' // /readyz answers "not ready" without throwing
  return `http-${status}`
}

export function requestLatency(clock: Clock, metrics: RequestMetrics): MiddlewareHandler<EdgeEnv> {
  return async function requestLatency(c, next) {
    const startMs = clock.monotonicMs()
    try {
      await next()
    } finally {
      const route = routeTemplateOf(c)
      const status = c.res.status
      metrics.observe({
        route,
        method: c.req.method,
        status,
        consistency: consistencyOf(c, route),
        seconds: (clock.monotonicMs() - startMs) / 1000,
        errorCode: errorCodeOf(c, status),
      })
    }
  }
}
