/**
 * buildApp(deps): the gateway's Hono app. No I/O at import or build time; main.ts serves it.
 *
 * Middleware order, and why:
 *   0. context      request id (X-Request-Id) and, with tracing, the request span around all
 *   0. latency      (with observability) times everything below, errors and 504s included
 *   1. deadline     every request gets its AbortSignal first, so all later work is bounded
 *   2. auth (/v1/*) an unauthenticated caller costs no body read and no rate-limit bucket
 *   3. rate limit   per API key, before the body is read
 *   4. body limit   reads every body within its route's limit, counting bytes as they stream
 *   5. routes       validate, check the table scope, call the backend, render
 * Errors from any of them reach `errorHandler` (http-errors.ts), the one status mapping.
 */
import { Hono, type Context } from 'hono'
import type { Clock, Timers } from '../shared/time/clock.ts'
import type { Logger } from '../shared/log.ts'
import { limits } from '../shared/limits.ts'
import type { GatewayBackend } from './backend/gateway-backend.ts'
import { errorHandler, newErrorStats, notFoundResponse, type ErrorStats } from './http-errors.ts'
import { authenticate, type AuthConfig } from './middleware/auth.ts'
import { bodyLimit } from './middleware/body-limit.ts'
import { deadline } from './middleware/deadline.ts'
import { defaultEdgeLimits, type EdgeEnv, type EdgeLimits } from './middleware/edge-env.ts'
import { rateLimit } from './middleware/rate-limit.ts'
import { requestContext, requestLogger } from './middleware/request-context.ts'
import { requestLatency } from './metrics/latency-middleware.ts'
import type { Observability } from './metrics/observability.ts'
import { openApiDocument } from './openapi.ts'
import { registerDashboardRoutes } from './routes/dashboard.ts'
import { registerDocsRoutes } from './routes/docs.ts'
import { registerHotKeyRoute, type HotKeySource } from './routes/hot-keys.ts'
import { registerItemRoutes } from './routes/items.ts'
import { registerMetricsRoute } from './routes/metrics.ts'
import { registerMultiGetRoute } from './routes/multi-get.ts'
import { registerOpsRoutes } from './routes/ops.ts'
import { registerScanRoute } from './routes/scan.ts'
import { registerTableRoutes } from './routes/tables.ts'
import { registerVersionsRoutes } from './routes/versions.ts'

export interface AppDeps {
  readonly backend: GatewayBackend
  readonly hotKeys: HotKeySource
  readonly clock: Clock
  readonly timers: Timers
  readonly logger: Logger
  readonly auth: AuthConfig
  readonly limits?: Partial<EdgeLimits>
  readonly rateLimit?: { readonly ratePerSecDefault: number; readonly burstDefault: number }
  /** Counters of answered errors (internal errors included); created when absent. */
  readonly errorStats?: ErrorStats
  /** /metrics, /dashboard, /docs and the latency middleware; absent: none of them. */
  readonly observability?: Observability
  /** A span per request (shared/tracing says tracing is on); default false. */
  readonly tracing?: boolean
}

/** A PUT of one item carries a value; every other body is JSON (or nothing). */
const itemPutPath = /^\/v1\/tables\/[^/]+\/(keys\/[^/]+|partitions\/[^/]+\/items\/[^/]+)$/

export function buildApp(deps: AppDeps): Hono<EdgeEnv> {
  const edgeLimits: EdgeLimits = { ...defaultEdgeLimits, ...deps.limits }
  const stats = deps.errorStats ?? newErrorStats()
  const app = new Hono<EdgeEnv>()
  app.onError((error, c) => errorHandler(requestLogger(c, deps.logger), stats)(error, c))
  app.notFound(notFoundResponse)
  app.use(requestContext({ tracing: deps.tracing ?? false }))

  const observability = deps.observability
  if (observability !== undefined) app.use(requestLatency(deps.clock, observability.requests))
  app.use(
    deadline({
      timers: deps.timers,
      defaultMs: edgeLimits.deadlineMsDefault,
      maxMs: edgeLimits.deadlineMsMax,
    }),
  )
  app.use('/v1/*', authenticate(deps.auth))
  app.use(
    '/v1/*',
    rateLimit({
      clock: deps.clock,
      ratePerSecDefault: deps.rateLimit?.ratePerSecDefault ?? limits.gatewayRateLimitPerSecDefault,
      burstDefault: deps.rateLimit?.burstDefault ?? limits.gatewayRateLimitBurstDefault,
    }),
  )
  app.use(
    bodyLimit((c: Context<EdgeEnv>) =>
      c.req.method === 'PUT' && itemPutPath.test(c.req.path)
        ? edgeLimits.valueBytesMax
        : edgeLimits.jsonBodyBytesMax,
    ),
  )

  const routeDeps = { backend: deps.backend, limits: edgeLimits }
  registerTableRoutes(app, routeDeps)
  registerItemRoutes(app, routeDeps)
  registerVersionsRoutes(app, routeDeps)
  registerScanRoute(app, routeDeps)
  registerMultiGetRoute(app, routeDeps)
  registerHotKeyRoute(app, { hotKeys: deps.hotKeys, limits: edgeLimits })
  registerOpsRoutes(app, { backend: deps.backend, openApiDocument: openApiDocument(edgeLimits) })
  if (observability !== undefined) {
    registerMetricsRoute(app, { render: () => observability.renderMetrics() })
    registerDashboardRoutes(app, { hub: observability.hub })
    registerDocsRoutes(app)
  }
  return app
}
