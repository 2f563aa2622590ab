/**
 * What the fast path reads: `GET /v1/tables/{table}/keys/{key}[?query]` parsed and validated
 * exactly as the item route does, or null for anything the fast path leaves to the Hono app
 * (which then answers it, errors included). The query may hold `consistency=strong|eventual`
 * and, for eventual reads, `maxStalenessMs` in range, each at most once, unencoded; anything
 * else (asOf, unknown or repeated parameters, percent-encoding) is left to the app's parser.
 * A path's validation and its detector/cache keys are memoized per raw path (bounded).
 */
import type { ItemRef } from '../backend/gateway-backend.ts'
import type { HotPath, ReadKeys } from '../backend/hot-path.ts'
import type { EdgeLimits } from '../middleware/edge-env.ts'
import { maxStalenessMsMax } from '../routes/items.ts'
import { keyBytes, tableName } from '../routes/request-parsing.ts'

/** Distinct item paths whose validation is memoized; past it the memo starts over. */
export const memoPathsMax = 4_096

const pathPrefix = '/v1/tables/'

export interface ReadQuery {
  readonly consistency: 'strong' | 'eventual'
  /** Absent: the default staleness (eventual reads only). */
  readonly maxStalenessMs?: number
}

export interface ReadTarget extends ReadQuery {
  readonly ref: ItemRef
  readonly keys: ReadKeys
}

interface KnownPath {
  readonly ref: ItemRef
  readonly keys: ReadKeys
}

export class ReadTargets {
  readonly #hot: HotPath
  readonly #limits: EdgeLimits
  /** Raw `{table}/keys/{key}` -> its item and keys, or null when the route would refuse it. */
  readonly #memo = new Map<string, KnownPath | null>()

  constructor(hot: HotPath, limits: EdgeLimits) {
    this.#hot = hot
    this.#limits = limits
  }

  /** The read a request URL asks for, or null to leave the request to the app. */
  parse(url: string): ReadTarget | null {
    if (!url.startsWith(pathPrefix)) return null
    const question = url.indexOf('?')
    const query = question < 0 ? { consistency: 'strong' as const } : readQuery(url, question + 1)
    if (query === null) return null
    const known = this.#known(url.slice(pathPrefix.length, question < 0 ? undefined : question))
    if (known === null) return null
    return { ...query, ref: known.ref, keys: known.keys }
  }

  #known(rest: string): KnownPath | null {
    const known = this.#memo.get(rest)
    if (known !== undefined) return known
    const fresh = this.#validate(rest)
    if (this.#memo.size >= memoPathsMax) this.#memo.clear()
    this.#memo.set(rest, fresh)
    return fresh
  }

  #validate(rest: string): KnownPath | null {
    const parts = rest.split('/')
    if (parts.length !== 3 || parts[1] !== 'keys') return null
    try {
      const table = tableName(decodeURIComponent(parts[0] as string), this.#limits)
      const key = decodeURIComponent(parts[2] as string)
      const partitionKey = keyBytes(key, 'key', this.#limits.partitionKeyBytesMax)
      const ref: ItemRef = { table, partitionKey, sortKey: new Uint8Array(0) }
      return { ref, keys: this.#hot.readKeys(ref) }
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
