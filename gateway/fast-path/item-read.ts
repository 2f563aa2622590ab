/**
 * The edge's fast path for cache hits. `GET /v1/tables/{table}/keys/{key}?consistency=eventual`
 * (optionally `&maxStalenessMs=N`) whose value the hot cache holds fresh enough is answered
 * straight from node:http: no Fetch Request, no Hono context, no middleware chain, no Response
 * object, no Headers. The head of each cached value (Content-Type, ETag, X-Shoal-Timestamp,
 * X-Shoal-Coalesced: cache, X-Shoal-Fan-In: 1, Content-Length) and its body buffer are built
 * once per cached item and reused; a URL's validated table/key and its detector and cache keys
 * are memoized per raw path. Profiled on the hot-key eventual load, the full path spent most of
 * a cache hit in node-server's Request/Response adaptation and the six async middleware layers.
 *
 * It answers only what the full path would answer with a 200 from the cache, with the same
 * headers and counts (hot-key detector read, cache hit, request metrics, X-Request-Id). Any
 * other request, or any doubt, is declined: `handle` returns false having written and counted
 * nothing, and the caller hands the request to the Hono app unchanged. Declined: auth or
 * tracing on (their middleware must run), other methods and routes, any query other than
 * consistency=eventual and a plain maxStalenessMs in range (asOf included), repeated or encoded
 * parameters, If-None-Match, X-Shoal-Timeout-Ms, a request body, a table or key the routes
 * would refuse, and every cache miss.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Clock } from '../../shared/time/clock.ts'
import type { CachedItem } from '../cache/hot-cache.ts'
import type { HotPath, ReadKeys } from '../backend/hot-path.ts'
import type { RequestMetrics } from '../metrics/request-metrics.ts'
import type { EdgeLimits } from '../middleware/edge-env.ts'
import { requestIdHeader, requestIdOf } from '../middleware/request-context.ts'
import { maxStalenessMsMax, plainKeyPath } from '../routes/items.ts'
import { keyBytes, tableName } from '../routes/request-parsing.ts'

export interface CachedReadDeps {
  readonly hot: HotPath
  readonly clock: Clock
  readonly limits: EdgeLimits
  /** Request metrics as the latency middleware records them; null without observability. */
  readonly metrics: RequestMetrics | null
  /** The fast path runs only when the app has no auth and no tracing middleware to run. */
  readonly authEnabled: boolean
  readonly tracing: boolean
}

/** Distinct item paths whose validation is memoized; past it the memo starts over. */
export const memoPathsMax = 4_096

const pathPrefix = '/v1/tables/'

/** A prepared answer for one cached item: its fixed headers and body. */
interface Prepared {
  readonly headers: readonly string[]
  readonly body: Buffer
}

export class CachedReadFastPath {
  readonly #deps: CachedReadDeps
  readonly #enabled: boolean
  /** Raw `{table}/keys/{key}` -> its keys, or null when the routes would refuse it. */
  readonly #memo = new Map<string, ReadKeys | null>()
  readonly #prepared = new WeakMap<CachedItem, Prepared>()
  readonly stats = { answered: 0, declined: 0 }

  constructor(deps: CachedReadDeps) {
    this.#deps = deps
    this.#enabled = !deps.authEnabled && !deps.tracing
  }

  /** Answers the request and returns true, or returns false having done nothing. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    const item = this.#enabled ? this.#lookup(request) : null
    if (item === null) {
      this.stats.declined++
      return false
    }
    const startMs = this.#deps.clock.monotonicMs()
    const prepared = this.#preparedOf(item)
    const requestId = requestIdOf(headerText(request.headers[requestIdHeader]))
    const headers = prepared.headers.slice()
    headers.push(requestIdHeader, requestId)
    response.writeHead(200, headers)
    response.end(prepared.body)
    this.stats.answered++
    this.#deps.metrics?.observe({
      route: plainKeyPath,
      method: 'GET',
      status: 200,
      consistency: 'eventual',
      seconds: (this.#deps.clock.monotonicMs() - startMs) / 1000,
      errorCode: null,
    })
    return true
  }

  #lookup(request: IncomingMessage): CachedItem | null {
    if (request.method !== 'GET') return null
    const url = request.url
    if (url === undefined || !url.startsWith(pathPrefix)) return null
    const headers = request.headers
    if (
      headers['if-none-match'] !== undefined ||
      headers['x-shoal-timeout-ms'] !== undefined ||
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined
    ) {
      return null
    }
    const question = url.indexOf('?')
    if (question < 0) return null // no query: a strong read
    const maxStalenessMs = eventualStaleness(url.slice(question + 1))
    if (maxStalenessMs === null) return null
    const keys = this.#keysOf(url.slice(pathPrefix.length, question))
    if (keys === null) return null
    return this.#deps.hot.cachedEventual(
      keys,
      maxStalenessMs === 'default' ? {} : { maxStalenessMs },
    )
  }

  #keysOf(rest: string): ReadKeys | null {
    const known = this.#memo.get(rest)
    if (known !== undefined) return known
    const keys = this.#validate(rest)
    if (this.#memo.size >= memoPathsMax) this.#memo.clear()
    this.#memo.set(rest, keys)
    return keys
  }

  /** `{table}/keys/{key}` validated as the item routes validate it; null when refused. */
  #validate(rest: string): ReadKeys | null {
    const parts = rest.split('/')
    if (parts.length !== 3 || parts[1] !== 'keys') return null
    const limits = this.#deps.limits
    try {
      const table = tableName(decodeURIComponent(parts[0] as string), limits)
      const key = decodeURIComponent(parts[2] as string)
      const partitionKey = keyBytes(key, 'key', limits.partitionKeyBytesMax)
      return this.#deps.hot.readKeys({ table, partitionKey, sortKey: new Uint8Array(0) })
    } catch {
      return null // the full path answers the problem+json
    }
  }

  #preparedOf(item: CachedItem): Prepared {
    const known = this.#prepared.get(item)
    if (known !== undefined) return known
    const body = Buffer.from(item.value.buffer, item.value.byteOffset, item.value.byteLength)
    const prepared: Prepared = {
      headers: [
        'content-type',
        item.contentType,
        'etag',
        `"${item.version}"`,
        'x-shoal-coalesced',
        'cache',
        'x-shoal-fan-in',
        '1',
        'x-shoal-timestamp',
        String(item.timestamp),
        'content-length',
        String(body.byteLength),
      ],
      body,
    }
    this.#prepared.set(item, prepared)
    return prepared
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/**
 * The staleness of a query that asks for an eventual read and nothing else the fast path
 * would have to interpret: 'default' without maxStalenessMs, null for anything else.
 */
export function eventualStaleness(query: string): number | 'default' | null {
  let consistency = false
  let staleness: number | 'default' = 'default'
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=')
    if (equals < 0) return null
    const name = pair.slice(0, equals)
    const value = pair.slice(equals + 1)
    if (name === 'consistency' && !consistency && value === 'eventual') consistency = true
    else if (name === 'maxStalenessMs' && staleness === 'default' && /^[0-9]{1,15}$/.test(value)) {
      staleness = Number(value)
      if (staleness > maxStalenessMsMax) return null
    } else return null
  }
  return consistency ? staleness : null
}
