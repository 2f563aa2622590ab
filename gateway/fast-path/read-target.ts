/**
 * What the fast path reads: `GET /v1/tables/{table}/keys/{key}[?query]` parsed and validated
 * exactly as the item route does, or null for anything the fast path leaves to the Hono app
 * (which then answers it, errors included). The query may hold `consistency=strong|eventual`
 * and, for eventual reads, `maxStalenessMs` in range, each at most once, unencoded; anything
 * else (asOf, unknown or repeated parameters, percent-encoding) is left to the app's parser.
 * The parsed read is memoized per raw URL (bounded): every read of one URL then passes the same
 * immutable GetRequest object, on which the hot path and the backend memoize their keys. The
 * memo keeps two generations (GenerationalMemo) so a URL still being read keeps its object:
 * under Zipf reads over 50k keys, a memo that emptied itself when full re-parsed ~30% of reads
 * and recomputed every key memoized on them.
 */
import { GenerationalMemo } from '../../shared/collections/generational-memo.ts'
import type { GetRequest, ItemRef } from '../backend/gateway-backend.ts'
import type { EdgeLimits } from '../middleware/edge-env.ts'
import { maxStalenessMsMax } from '../routes/items.ts'
import { keyBytes, tableName } from '../routes/request-parsing.ts'

/**
 * Distinct URLs whose parsed read is memoized, over both generations (each holds half; when the
 * current one is full it becomes the previous one and the old previous one is dropped). Only
 * URLs up to memoUrlCharsMax are memoized (longer ones are parsed each time), so a client
 * sending many long distinct URLs cannot grow it: an entry (URL, request, the keys memoized on
 * it) is under ~2 KB, so the memo stays under ~32 MB.
 */
export const memoUrlsMax = 16_384
export const memoUrlCharsMax = 256

const pathPrefix = '/v1/tables/'
/**
 * URLs of RFC 3986 path and query characters only. The app reads the path through WHATWG URL
 * parsing, which turns `\` into `/`, drops a `#` fragment and resolves dot segments; a URL
 * with anything outside this set is left to the app so both read the same key.
 */
const plainUrl = /^[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*$/

export interface ReadQuery {
  readonly consistency: 'strong' | 'eventual'
  /** Absent: the default staleness (eventual reads only). */
  readonly maxStalenessMs?: number
}

export class ReadTargets {
  readonly #limits: EdgeLimits
  /** Raw URL -> its read, or null when the fast path leaves it to the app. */
  readonly #memo: GenerationalMemo<string, GetRequest | null>

  constructor(limits: EdgeLimits) {
    this.#limits = limits
    this.#memo = new GenerationalMemo(memoUrlsMax / 2, (url) => this.#parse(url))
  }

  /** URLs memoized now (at most memoUrlsMax). */
  get memoSize(): number {
    return this.#memo.size
  }

  /** The read a request URL asks for (the same object for the same URL), or null. */
  parse(url: string): GetRequest | null {
    return url.length > memoUrlCharsMax ? this.#parse(url) : this.#memo.get(url)
  }

  #parse(url: string): GetRequest | null {
    if (!url.startsWith(pathPrefix) || !plainUrl.test(url)) return null
    const question = url.indexOf('?')
    const query = question < 0 ? { consistency: 'strong' as const } : readQuery(url, question + 1)
    if (query === null) return null
    const ref = this.#validate(url.slice(pathPrefix.length, question < 0 ? undefined : question))
    if (ref === null) return null
    return Object.freeze({ ...ref, ...query })
  }

  #validate(rest: string): ItemRef | null {
    const parts = rest.split('/')
    if (parts.length !== 3 || parts[1] !== 'keys') return null
    try {
      const table = tableName(decodeURIComponent(parts[0] as string), this.#limits)
      const key = decodeURIComponent(parts[2] as string)
      const partitionKey = keyBytes(key, 'key', this.#limits.partitionKeyBytesMax)
      return { table, partitionKey, sortKey: new Uint8Array(0) }
    } catch {
      return null // the app answers the problem+json
    }
  }
}

/** The query from `start` on, when it holds only what the fast path interprets; else null. */
export function readQuery(url: string, start: number): ReadQuery | null {
  let consistency: 'strong' | 'eventual' | null = null
  let staleness: number | null = null
  for (const pair of url.slice(start).split('&')) {
    const equals = pair.indexOf('=')
    if (equals < 0) return null
    const name = pair.slice(0, equals)
    const value = pair.slice(equals + 1)
    if (name === 'consistency' && consistency === null) {
      if (value !== 'strong' && value !== 'eventual') return null
      consistency = value
    } else if (name === 'maxStalenessMs' && staleness === null && /^[0-9]{1,15}$/.test(value)) {
      staleness = Number(value)
      if (staleness > maxStalenessMsMax) return null
    } else return null
  }
  const asked = consistency ?? 'strong'
  if (staleness === null) return { consistency: asked }
  // maxStalenessMs with a strong read is a 400 the app words.
  return asked === 'eventual' ? { consistency: asked, maxStalenessMs: staleness } : null
}
