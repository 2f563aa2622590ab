/**
 * THE mapping from ShoalError codes to HTTP (STYLE.md R4): status, problem+json body (RFC 9457:
 * `type`, `title`, `status`, `detail`) and Retry-After. Routes never pick an error status;
 * they throw a ShoalError (or turn an outcome such as `precondition-failed` into one with
 * `outcomeError`) and `handleError`, installed as `app.onError`, answers.
 *
 * Unknown exceptions (assertion failures, bugs) become a bare 500: counted, logged with the
 * stack, and never echoed to the client. Bad input never reaches that path: the edge turns it
 * into `bad-request` or `too-large` first.
 */
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { assertNever } from '../shared/assert.ts'
import { ShoalError, type ErrorCode } from '../shared/errors.ts'
import type { Logger } from '../shared/log.ts'

export const problemContentType = 'application/problem+json'
const typeBase = 'https://shoal.dev/problems/'

interface HttpMapping {
  readonly status: number
  readonly title: string
  /** Seconds for Retry-After, present on 429 and 503. */
  readonly retryAfterSeconds?: number
}

/** The single table. Each code has exactly one status. */
export function httpMappingOf(code: ErrorCode): HttpMapping {
  switch (code) {
    case 'bad-request':
      return { status: 400, title: 'Bad request' }
    case 'too-large':
      return { status: 413, title: 'Content too large' }
    case 'unauthorized':
      return { status: 401, title: 'Unauthorized' }
    case 'forbidden':
      return { status: 403, title: 'Forbidden' }
    case 'not-found':
      return { status: 404, title: 'Not found' }
    case 'conflict':
      return { status: 409, title: 'Conflict' }
    case 'version-mismatch':
      return { status: 412, title: 'Precondition failed' }
    case 'rate-limited':
      return { status: 429, title: 'Too many requests', retryAfterSeconds: 1 }
    case 'overloaded':
      return { status: 503, title: 'Overloaded', retryAfterSeconds: 1 }
    case 'shard-unavailable':
      return { status: 503, title: 'Shard unavailable', retryAfterSeconds: 1 }
    case 'not-leader':
      return { status: 503, title: 'Shard leader unknown', retryAfterSeconds: 1 }
    case 'unavailable':
      return { status: 503, title: 'Storage unavailable', retryAfterSeconds: 1 }
    case 'closed':
      return { status: 503, title: 'Shutting down', retryAfterSeconds: 1 }
    case 'deadline-exceeded':
      return { status: 504, title: 'Deadline exceeded' }
    case 'aborted':
      // nginx's "client closed request": nobody reads it, but logs and metrics should say so.
      return { status: 499, title: 'Client closed request' }
    case 'protocol':
      return { status: 502, title: 'Bad reply from storage' }
    case 'disk-full':
      return { status: 507, title: 'Insufficient storage' }
    case 'corruption':
    case 'io':
    case 'internal':
      return { status: 500, title: 'Internal error' }
    default:
      return assertNever(code)
  }
}

/** Overrides of Retry-After for one error (e.g. the rate limiter's exact wait). */
const retryAfterMsOf = new WeakMap<ShoalError, number>()

export function withRetryAfter(error: ShoalError, retryAfterMs: number): ShoalError {
  retryAfterMsOf.set(error, retryAfterMs)
  return error
}

export interface ProblemBody {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
}

/** A problem answer's status, headers and JSON body, for a Response or a node:http reply. */
export interface ProblemParts {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** The problem+json answer for a ShoalError; the only place an error gets its status. */
export function problemParts(error: ShoalError): ProblemParts {
  const mapping = httpMappingOf(error.code)
  // Codes that mean "our fault" never show their message: it may name files or addresses.
  const detail =
    mapping.status === 500 ? 'The gateway failed to answer; see its logs.' : error.message
  const body: ProblemBody = {
    type: `${typeBase}${error.code}`,
    title: mapping.title,
    status: mapping.status,
    detail,
  }
  const headers: Record<string, string> = { 'content-type': problemContentType }
  const overrideMs = retryAfterMsOf.get(error)
  if (mapping.retryAfterSeconds !== undefined) {
    const seconds =
      overrideMs === undefined
        ? mapping.retryAfterSeconds
        : Math.max(1, Math.ceil(overrideMs / 1000))
    headers['retry-after'] = String(seconds)
  }
  if (mapping.status === 401) headers['www-authenticate'] = 'Bearer realm="shoal"'
  // After a body over the limit the rest of it is not read: the connection cannot be reused.
  if (mapping.status === 413) headers['connection'] = 'close'
  return { status: mapping.status, headers, body: JSON.stringify(body) }
}

/** A problem+json response for a ShoalError (see problemParts). */
export function problemResponse(error: ShoalError): Response {
  const parts = problemParts(error)
  return new Response(parts.body, { status: parts.status, headers: new Headers(parts.headers) })
}

/** Counters the error handler keeps; read by metrics. */
export interface ErrorStats {
  internalErrors: number
  /** Responses by status for errors answered through problemResponse. */
  readonly byStatus: Map<number, number>
}

export function newErrorStats(): ErrorStats {
  return { internalErrors: 0, byStatus: new Map() }
}

/** Turns anything thrown into a problem response; installed with `app.onError`. */
export function errorHandler(
  logger: Logger,
  stats: ErrorStats,
): (error: Error, c: Context) => Response {
  return function handleError(error: Error, c: Context): Response {
    return problemResponse(recordError(logger, stats, error, c.req))
  }
}

/**
 * Counts an error by status and logs the ones that are our fault (5xx other than 503 and
 * 504); returns it as the ShoalError to answer with. Shared by the app and the fast path.
 */
export function recordError(
  logger: Logger,
  stats: ErrorStats,
  error: Error,
  request: { readonly method: string; readonly path: string },
): ShoalError {
  const shoal = toShoalError(error)
  const mapping = httpMappingOf(shoal.code)
  stats.byStatus.set(mapping.status, (stats.byStatus.get(mapping.status) ?? 0) + 1)
  if (mapping.status >= 500 && mapping.status !== 503 && mapping.status !== 504) {
    if (shoal.code === 'internal') stats.internalErrors += 1
    logger.error('request failed', {
      method: request.method,
      path: request.path,
      code: shoal.code,
      error: error.name,
      message: error.message,
      stack: error.stack,
    })
  }
  return shoal
}

/** Hono's own HTTPExceptions (e.g. malformed requests it detects) keep their 4xx meaning. */
export function toShoalError(error: Error): ShoalError {
  if (error instanceof ShoalError) return error
  if (error instanceof HTTPException) {
    if (error.status === 413) return new ShoalError('too-large', 'the request body is too large')
    if (error.status === 401) return new ShoalError('unauthorized', 'authentication required')
    if (error.status >= 400 && error.status < 500) {
      return new ShoalError('bad-request', 'the request is malformed')
    }
  }
  return new ShoalError('internal', 'unexpected failure', { cause: error })
}

/** The problem response for an unmatched route. */
export function notFoundResponse(c: Context): Response {
  // The path is not echoed: it is the client's input and may be long.
  return problemResponse(
    new ShoalError('not-found', `no route matches this ${c.req.method.slice(0, 16)} request`),
  )
}
