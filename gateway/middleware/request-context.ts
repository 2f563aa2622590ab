/**
 * Request context middleware, installed first: every request gets a request id and, when
 * tracing is on, an HTTP server span that everything below runs inside.
 *
 * Request id: the client's `X-Request-Id` when it is 1..requestIdCharsMax characters of
 * `[A-Za-z0-9._:/+=@-]` (safe in logs and headers), else a new UUID. It is echoed in the
 * response's `X-Request-Id` and available as `c.get('requestId')`; `requestLogger(c, logger)`
 * is the request's pino child logger (`requestId` on every line, `traceId` from the mixin when
 * a span is active). The child is made on demand: most requests log nothing.
 *
 * Span (OpenTelemetry HTTP server conventions): kind SERVER, named `GET /v1/tables/{table}/keys/
 * {key}` once the route is known (the method alone when no route matched), attributes
 * http.request.method, url.path, url.scheme, http.route, http.response.status_code; status
 * ERROR for 5xx. A W3C `traceparent` request header continues the caller's trace.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions'
import type { Context, MiddlewareHandler } from 'hono'
import { randomUUID } from 'node:crypto'
import { limits } from '../../shared/limits.ts'
import type { Logger } from '../../shared/log.ts'
import { shoalTracer } from '../../shared/tracing/spans.ts'
import { parseTraceparent } from '../../shared/tracing/traceparent.ts'
import { routeTemplateOf } from '../metrics/latency-middleware.ts'
import type { EdgeEnv } from './edge-env.ts'

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by requestContext for every request. */
    requestId: string
  }
}

export const requestIdHeader = 'x-request-id'

const requestIdShape = new RegExp(`^[A-Za-z0-9._:/+=@-]{1,${limits.requestIdCharsMax}}$`)

/** The client's id when it is acceptable, else a new one. */
export function requestIdOf(header: string | undefined): string {
  return header !== undefined && requestIdShape.test(header) ? header : randomUUID()
}

/** The request's logger: `logger` with this request's id on every line. */
export function requestLogger(c: Context, logger: Logger): Logger {
  const requestId: string | undefined = c.get('requestId')
  return requestId === undefined ? logger : logger.child({ requestId })
}

/** `/v1/tables/:table/keys/:key` -> `/v1/tables/{table}/keys/{key}` (OpenAPI style). */
export function openApiRoute(template: string): string {
  return template.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}')
}

export interface RequestContextOptions {
  /** Make a span per request (tracing.ts said tracing is on). */
  readonly tracing: boolean
}

export function requestContext(options: RequestContextOptions): MiddlewareHandler<EdgeEnv> {
  return async function requestContext(c, next) {
    const requestId = requestIdOf(c.req.header(requestIdHeader))
    c.set('requestId', requestId)
    if (!options.tracing) {
      await next()
      return echo(c, requestId)
    }
    const remote = parseTraceparent(c.req.header('traceparent') ?? '')
    const parent = remote === null ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, remote)
    const method = c.req.method
    const span = shoalTracer().startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_PATH]: c.req.path,
          [ATTR_URL_SCHEME]: new URL(c.req.url).protocol.replace(':', ''),
          'shoal.request_id': requestId,
        },
      },
      parent,
    )
    try {
      await context.with(trace.setSpan(parent, span), next)
    } finally {
      const template = routeTemplateOf(c)
      const status = c.res.status
      if (template !== '(unmatched)') {
        const route = openApiRoute(template)
        span.updateName(`${method} ${route}`)
        span.setAttribute(ATTR_HTTP_ROUTE, route)
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status)
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
    }
    echo(c, requestId)
  }
}

/** Puts the id on the response, whichever way the handler built it. */
function echo(c: Context, requestId: string): void {
  try {
    c.res.headers.set(requestIdHeader, requestId)
  } catch {
    // A Response with immutable headers (none of ours today): the id stays in the logs only.
  }
}
