/**
 * The edge's fast path for item reads: `GET /v1/tables/{table}/keys/{key}` with
 * `consistency=strong|eventual` (and `maxStalenessMs`) is answered straight from node:http,
 * without node-server's Request/Response adaptation, Hono's context and router, or the six
 * async middleware layers. Profiled under the hot-key loads, those cost more than the read
 * itself: a cache hit is a synchronous lookup, a coalesced strong read a few map operations.
 *
 * Same answers as the item route (routes/items.ts) and the middleware around it: X-Request-Id,
 * the default request deadline (504 from a timer, the late answer dropped; the client leaving
 * aborts the read: 499), 200 with Content-Type, ETag, X-Shoal-Timestamp, X-Shoal-Expires-At-Ms,
 * X-Shoal-Coalesced and X-Shoal-Fan-In, 404 problem+json (with the coalescing headers when the
 * backend coalesced), errors through the same status table, counters and logging
 * (http-errors.ts), and one request-metrics observation. Cache hits skip the backend call:
 * each cached item's head and body are built once and reused.
 *
 * Other reads take one of two routes. With a backend that has `getDirect` (ClusterBackend), the
 * read joins its flight by callback: no promise, AbortSignal or timer per read; the backend
 * ends it at the request deadline with the same 504, and a flight's answer head is built once
 * per role and fan-in, then shared by its waiters. Otherwise `get` runs under a RequestDeadline
 * and a timer, like the app's middleware.
 *
 * Declined (`handle` returns false having written and counted nothing; the Hono app then
 * answers as if the fast path did not exist): auth or tracing on (their middleware must run),
 * other methods and routes, queries ReadTargets leaves to the app, If-None-Match,
 * X-Shoal-Timeout-Ms, and any request with a body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { assert } from '../../shared/assert.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { Logger } from '../../shared/log.ts'
import type { Clock, Timers } from '../../shared/time/clock.ts'
import type {
  DirectGetSink,
  DirectGetTicket,
  GatewayBackend,
  GetRequest,
  GetResult,
  StoredItem,
} from '../backend/gateway-backend.ts'
import type { HotPath } from '../backend/hot-path.ts'
import type { CachedItem } from '../cache/hot-cache.ts'
import { problemParts, recordError, type ErrorStats } from '../http-errors.ts'
import type { BucketHistogram } from '../../shared/metrics/bucket-histogram.ts'
import type { RequestMetrics } from '../metrics/request-metrics.ts'
import { RequestDeadline } from '../middleware/deadline.ts'
import type { EdgeLimits } from '../middleware/edge-env.ts'
import { requestIdHeader, requestIdOf } from '../middleware/request-context.ts'
import { plainKeyPath, tableMissing } from '../routes/items.ts'
import { ReadTargets } from './read-target.ts'

export interface ItemReadDeps {
  readonly backend: GatewayBackend
  readonly hot: HotPath
  readonly clock: Clock
  readonly timers: Timers
  readonly logger: Logger
  readonly limits: EdgeLimits
  readonly errorStats: ErrorStats
  /** Request metrics as the latency middleware records them; null without observability. */
  readonly metrics: RequestMetrics | null
  /** The fast path runs only when the app has no auth and no tracing middleware to run. */
  readonly authEnabled: boolean
  readonly tracing: boolean
}

/**
 * The 404 of an absent item, built once: a ShoalError captures a stack trace, which cost ~3% of
 * the gateway's CPU under reads of mostly absent keys when it was made per answer.
 */
const absentProblem = problemParts(new ShoalError('not-found', 'no item at this key'))

/**
 * What the fast path uses of a response: node's ServerResponse, or the raw edge's
 * (edge/raw-response.ts). Headers go as a flat name/value list, read during writeHead.
 */
export interface FastResponse {
  readonly destroyed: boolean
  writeHead(status: number, headers: string[]): unknown
  end(body: Buffer | string): unknown
  /**
   * Optional (the raw edge's): an answer whose `fixed` headers (no X-Request-Id) are reused
   * unchanged across answers, so their serialized form can be too. Headers include
   * Content-Length; the array must not change after its first use.
   */
  answerShared?(status: number, fixed: readonly string[], requestId: string, body: Buffer): void
  on(event: 'close', listener: () => void): unknown
  once(event: 'close', listener: () => void): unknown
  off(event: 'close', listener: () => void): unknown
}

/** A prepared answer for one cached item: its fixed headers and body. */
interface Prepared {
  readonly headers: readonly string[]
  readonly body: Buffer
}

/** A cache hit's answer: its head ends with X-Request-Id, whose value is set per answer. */
interface PreparedHit {
  readonly headers: string[]
  /** The same head without X-Request-Id (FastResponse.answerShared). */
  readonly fixed: readonly string[]
  readonly body: Buffer
}

/** A read answer's item part, and its whole head per coalescing role for one fan-in. */
interface PreparedRead extends Prepared {
  /** By role: the head up to X-Request-Id of the last fan-in seen (a flight's waiters share). */
  readonly heads: Map<string, { readonly fanIn: number; readonly headers: readonly string[] }>
}

/** How the fast path settles a direct read (one function for all reads). */
type SettleDirect = (pending: Pending, error: unknown, result: GetResult | null) => void

/**
 * One request in progress (the per-request state, instead of closures); on the direct route
 * it is also the backend's sink, and it holds the read's ticket.
 */
class Pending implements DirectGetSink {
  answered = false
  ticket: DirectGetTicket | null = null

  constructor(
    readonly settle: SettleDirect,
    readonly target: GetRequest,
    readonly response: FastResponse,
    readonly requestId: string,
    readonly startMs: number,
    /** The promise route's deadline and cancellation; null on the direct route. */
    readonly deadline: RequestDeadline | null,
    readonly path: string,
  ) {}

  getSettled(error: unknown, result: GetResult | null): void {
    this.settle(this, error, result)
  }
}

export class ItemReadFastPath {
  readonly #deps: ItemReadDeps
  readonly #enabled: boolean
  readonly #targets: ReadTargets
  readonly #prepared = new WeakMap<CachedItem, PreparedHit>()
  /** The fixed part of a read answer per item: a flight's waiters share its item object. */
  readonly #answers = new WeakMap<StoredItem, PreparedRead>()
  /** The request-metrics series of 200 answers by consistency, resolved on first use. */
  readonly #okSeries = new Map<string, BucketHistogram>()
  /** The request-metrics series of cache hits, resolved on first use. */
  #hitSeries: BucketHistogram | null = null
  readonly stats = { cacheHits: 0, reads: 0, declined: 0 }

  /** False with auth or tracing on: every request then goes through the app. */
  get enabled(): boolean {
    return this.#enabled
  }

  /** The direct route's 504, made only when a read expires (one function for all reads). */
  readonly #expired: () => ShoalError
  readonly #settleDirect: SettleDirect

  constructor(deps: ItemReadDeps) {
    this.#deps = deps
    this.#enabled = !deps.authEnabled && !deps.tracing
    this.#targets = new ReadTargets(deps.limits)
    const timeoutMs = deps.limits.deadlineMsDefault
    this.#expired = () => requestExpired(timeoutMs)
    this.#settleDirect = (pending, error, result) => {
      if (error !== null) this.#fail(pending, error)
      else this.#answer(pending, result as GetResult)
    }
  }

  /** Answers the request (now or later) and returns true, or returns false having done nothing. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    const target = this.#enabled ? this.#targetOf(request) : null
    if (target === null) {
      this.stats.declined++
      return false
    }
    const requestId = headerText(request.headers[requestIdHeader])
    this.#serve(target, requestId, request.url ?? '', response)
    return true
  }

  /**
   * The raw edge's entry (edge/raw-edge.ts): a GET whose head has none of the headers the fast
   * path declines. Same contract as `handle`.
   */
  serveGet(url: string, requestIdText: string | undefined, response: FastResponse): boolean {
    const target = this.#enabled ? this.#targets.parse(url) : null
    if (target === null) {
      this.stats.declined++
      return false
    }
    this.#serve(target, requestIdText, url, response)
    return true
  }

  #serve(
    target: GetRequest,
    requestIdText: string | undefined,
    path: string,
    response: FastResponse,
  ): void {
    const startMs = this.#deps.clock.monotonicMs()
    const requestId = requestIdOf(requestIdText)
    if (target.consistency === 'eventual') {
      const item = this.#deps.hot.cachedEventual(target, startMs)
      if (item !== null) {
        this.stats.cacheHits++
        const prepared = this.#preparedOf(item)
        if (response.answerShared !== undefined) {
          response.answerShared(200, prepared.fixed, requestId, prepared.body)
        } else {
          // The head's last value is the request id, set just before writeHead reads the array
          // (synchronously, keeping no reference): no array copy per hit.
          const headers = prepared.headers
          headers[headers.length - 1] = requestId
          response.writeHead(200, headers)
          response.end(prepared.body)
        }
        this.#observeHit(startMs)
        return
      }
    }
    this.stats.reads++
    const settle = this.#settleDirect
    if (this.#deps.backend.getDirect !== undefined) {
      this.#readDirect(new Pending(settle, target, response, requestId, startMs, null, path))
      return
    }
    const deadline = new RequestDeadline(this.#deps.limits.deadlineMsDefault, (onGone) => {
      if (response.destroyed) onGone()
      response.once('close', onGone)
      return () => response.off('close', onGone)
    })
    this.#read(new Pending(settle, target, response, requestId, startMs, deadline, path))
  }

  /**
   * The backend's callback form: no promise, AbortSignal or timer per read. The backend ends
   * the read at the request deadline with the same 504 error; a client that leaves makes the
   * read leave its flight. Nothing here makes a named closure per read: under tsx (esbuild's
   * keepNames) each costs a defineProperty, ~2% of a strong read's CPU when profiled.
   */
  #readDirect(pending: Pending): void {
    const deadlineMs = pending.startMs + this.#deps.limits.deadlineMsDefault
    const ticket = this.#deps.backend.getDirect!(
      pending.target,
      { deadlineMs, deadlineError: this.#expired },
      pending,
    )
    if (ticket === null) return
    pending.ticket = ticket
    const response = pending.response as ResponseWithRead
    response[directRead] = pending
    if (response.destroyed) leaveOnClose.call(response)
    else response.on('close', leaveOnClose)
  }

  #targetOf(request: IncomingMessage): GetRequest | null {
    if (request.method !== 'GET' || request.url === undefined) return null
    const headers = request.headers
    if (
      headers['if-none-match'] !== undefined ||
      headers['x-shoal-timeout-ms'] !== undefined ||
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined
    ) {
      return null
    }
    return this.#targets.parse(request.url)
  }

  #read(pending: Pending): void {
    const { target } = pending
    const timeoutMs = this.#deps.limits.deadlineMsDefault
    const deadline = pending.deadline
    assert(deadline !== null, 'the promise route has a request deadline')
    const timer = this.#deps.timers.after(timeoutMs, () => {
      const expired = requestExpired(timeoutMs)
      deadline.expire(expired)
      this.#fail(pending, expired)
    })
    let reading: Promise<GetResult>
    try {
      reading = this.#deps.backend.get(target, deadline)
    } catch (error) {
      reading = Promise.reject(error)
    }
    reading.then(
      (result) => {
        timer.cancel()
        this.#answer(pending, result)
      },
      (error: unknown) => {
        timer.cancel()
        this.#fail(pending, error)
      },
    )
  }

  #answer(pending: Pending, result: GetResult): void {
    if (result.kind === 'table-not-found') return this.#fail(pending, tableMissing())
    const headers: string[] = []
    if (result.coalescing !== undefined) {
      headers.push('x-shoal-coalesced', result.coalescing.role)
      headers.push('x-shoal-fan-in', String(result.coalescing.fanIn))
    }
    if (result.kind === 'not-found') {
      for (const name in absentProblem.headers) {
        headers.push(name, absentProblem.headers[name] as string)
      }
      return this.#send(pending, absentProblem.status, headers, absentProblem.body, 'not-found')
    }
    const answer = this.#answerOf(result.item)
    if (result.coalescing === undefined) {
      for (const header of answer.headers) headers.push(header)
      return this.#send(pending, 200, headers, answer.body, null)
    }
    const { role, fanIn } = result.coalescing
    let head = answer.heads.get(role)
    if (head?.fanIn !== fanIn) {
      for (const header of answer.headers) headers.push(header)
      headers.push('content-length', String(answer.body.byteLength))
      head = { fanIn, headers }
      answer.heads.set(role, head)
    }
    // The raw edge serializes a flight's shared head once for all its waiters; node:http's
    // response gets a copy to add the request id to.
    const shared = pending.response.answerShared !== undefined
    // Not mutated when shared: #write hands it to answerShared unchanged.
    const written = shared ? (head.headers as string[]) : head.headers.slice()
    this.#write(pending, 200, written, answer.body, null, shared)
  }

  /** Headers and body of a found item, built once per item (every waiter of a flight reuses it). */
  #answerOf(item: StoredItem): PreparedRead {
    const known = this.#answers.get(item)
    if (known !== undefined) return known
    const headers = ['content-type', item.contentType, 'etag', `"${item.version}"`]
    headers.push('x-shoal-timestamp', String(item.timestamp))
    if (item.expiresAtMs !== null) headers.push('x-shoal-expires-at-ms', String(item.expiresAtMs))
    const body = Buffer.from(item.value.buffer, item.value.byteOffset, item.value.byteLength)
    const prepared: PreparedRead = { headers, body, heads: new Map() }
    this.#answers.set(item, prepared)
    return prepared
  }

  #fail(pending: Pending, error: unknown): void {
    if (pending.answered) return
    const cause = error instanceof Error ? error : new Error(String(error))
    const logger = this.#deps.logger.child({ requestId: pending.requestId })
    const request = { method: 'GET', path: pending.path.split('?')[0] ?? '' }
    const shoal = recordError(logger, this.#deps.errorStats, cause, request)
    const problem = problemParts(shoal)
    const headers: string[] = []
    for (const name in problem.headers) headers.push(name, problem.headers[name] as string)
    this.#send(pending, problem.status, headers, problem.body, shoal.code)
  }

  #send(
    pending: Pending,
    status: number,
    headers: string[],
    body: Buffer | string,
    errorCode: string | null,
  ): void {
    headers.push('content-length', String(Buffer.byteLength(body)))
    this.#write(pending, status, headers, body, errorCode)
  }

  /**
   * Writes the answer: `headers` has everything but X-Request-Id, which is added here (or, when
   * `shared`, given beside the unchanged list to FastResponse.answerShared).
   */
  #write(
    pending: Pending,
    status: number,
    headers: string[],
    body: Buffer | string,
    errorCode: string | null,
    shared = false,
  ): void {
    if (pending.answered) return // the deadline answered first; this late answer is dropped
    pending.answered = true
    pending.deadline?.release()
    const response = pending.response
    if (!response.destroyed) {
      if (shared && response.answerShared !== undefined && typeof body !== 'string') {
        response.answerShared(status, headers, pending.requestId, body)
      } else {
        const list = shared ? headers.slice() : headers // a shared list is never changed
        list.push(requestIdHeader, pending.requestId)
        response.writeHead(status, list)
        response.end(body)
      }
    }
    this.#observe(pending.target, status, errorCode, pending.startMs)
  }

  #observeHit(startMs: number): void {
    const metrics = this.#deps.metrics
    if (metrics === null) return
    this.#hitSeries ??= metrics.seriesFor({
      route: plainKeyPath,
      method: 'GET',
      status: 200,
      consistency: 'eventual',
    })
    metrics.observeIn(this.#hitSeries, (this.#deps.clock.monotonicMs() - startMs) / 1000)
  }

  #observe(target: GetRequest, status: number, errorCode: string | null, startMs: number): void {
    const metrics = this.#deps.metrics
    if (metrics === null) return
    const seconds = (this.#deps.clock.monotonicMs() - startMs) / 1000
    // A 200 (most answers) goes to its series resolved once per consistency.
    let series =
      status === 200 && errorCode === null ? this.#okSeries.get(target.consistency) : null
    if (series === undefined || series === null) {
      const labels = { route: plainKeyPath, method: 'GET', status, consistency: target.consistency }
      if (status !== 200 || errorCode !== null) {
        return metrics.observe({ ...labels, seconds, errorCode })
      }
      series = metrics.seriesFor(labels)
      this.#okSeries.set(target.consistency, series)
    }
    metrics.observeIn(series, seconds)
  }

  #preparedOf(item: CachedItem): PreparedHit {
    const known = this.#prepared.get(item)
    if (known !== undefined) return known
    const body = Buffer.from(item.value.buffer, item.value.byteOffset, item.value.byteLength)
    const fixed = [
      ...['content-type', item.contentType, 'etag', `"${item.version}"`],
      ...['x-shoal-coalesced', 'cache', 'x-shoal-fan-in', '1'],
      ...['x-shoal-timestamp', String(item.timestamp), 'content-length', String(body.length)],
    ]
    const prepared: PreparedHit = { headers: [...fixed, requestIdHeader, ''], fixed, body }
    this.#prepared.set(item, prepared)
    return prepared
  }
}

/** The direct route's read in progress, kept on its response for the shared 'close' listener. */
const directRead = Symbol('shoal.directRead')
type ResponseWithRead = FastResponse & { [directRead]?: Pending }

/**
 * One 'close' listener for every direct read (EventEmitter calls it with the response as
 * `this`): a client gone before the answer makes the read leave its flight. 'close' comes once
 * per response; after an answer it does nothing.
 */
function leaveOnClose(this: ResponseWithRead): void {
  const pending = this[directRead]
  if (pending === undefined || pending.answered) return
  pending.ticket?.leave(new ShoalError('aborted', 'read aborted'))
}

/** The 504 of a request whose deadline passed (the same text as the deadline middleware's). */
function requestExpired(timeoutMs: number): ShoalError {
  return new ShoalError(
    'deadline-exceeded',
    `the request deadline of ${timeoutMs} ms passed before an answer`,
  )
}

function headerText(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}
