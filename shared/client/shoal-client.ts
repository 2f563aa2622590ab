/**
 * ShoalClient: the typed client for the gateway's REST API v1, used by the CLI, the end-to-end
 * tests and the load tests, so no caller hand-builds a URL. Answers are parsed with zod (the
 * server is a peer, not trusted code); errors are ShoalHttpError carrying the problem+json body.
 *
 *   const client = new ShoalClient({ baseUrl: 'http://127.0.0.1:8080' })
 *   await client.createTable('users', {})
 *   const { version } = await client.put('users', 'alice', 'hello')
 *   const item = await client.get('users', 'alice')   // null when absent
 */
import { z } from 'zod'

export class ShoalHttpError extends Error {
  override readonly name = 'ShoalHttpError'
  readonly status: number
  readonly problem: { type: string; title: string; status: number; detail: string } | null
  readonly retryAfterSeconds: number | null

  constructor(status: number, problem: ShoalHttpError['problem'], retryAfter: string | null) {
    super(problem === null ? `HTTP ${status}` : `${status} ${problem.title}: ${problem.detail}`)
    this.status = status
    this.problem = problem
    const seconds = retryAfter === null ? NaN : Number(retryAfter)
    this.retryAfterSeconds = Number.isFinite(seconds) ? seconds : null
  }
}

const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string(),
})

export const TableJson = z.object({
  name: z.string(),
  ttlSeconds: z.number().nullable(),
  maxVersions: z.number(),
  valueBytesMax: z.number(),
  createdAtMs: z.number(),
  id: z.number(),
})
export type TableJson = z.infer<typeof TableJson>

const ItemJson = z.object({
  value: z.string(),
  contentType: z.string(),
  version: z.number(),
  timestamp: z.number(),
  expiresAtMs: z.number().nullable(),
})

const WriteJson = z.object({ version: z.number(), timestamp: z.number() })
const ScanJson = z.object({
  items: z.array(ItemJson.extend({ sortKey: z.string() })),
  cursor: z.string().nullable(),
})
const MultiGetJson = z.object({
  items: z.array(
    z.union([
      ItemJson.extend({ key: z.unknown(), found: z.literal(true) }),
      z.object({ key: z.unknown(), found: z.literal(false) }),
    ]),
  ),
})
const VersionsJson = z.object({
  versions: z.array(
    z.union([
      ItemJson.extend({ deleted: z.literal(false) }),
      z.object({ deleted: z.literal(true), version: z.number(), timestamp: z.number() }),
    ]),
  ),
})
const HotKeysJson = z.object({
  windowMs: z.number(),
  keys: z.array(
    z.object({
      table: z.string(),
      key: z.string(),
      count: z.number(),
      ratePerSec: z.number(),
      readsPerSec: z.number(),
      writesPerSec: z.number(),
      errorPerSec: z.number(),
      share: z.number(),
      hot: z.boolean(),
      firstHotAtMs: z.number().nullable(),
    }),
  ),
})
export type HotKeysJson = z.infer<typeof HotKeysJson>

export interface ReadItem {
  readonly value: Uint8Array
  readonly contentType: string
  readonly version: number
  readonly timestamp: number
  /** How the gateway served it: leader, follower or cache, with the flight's fan-in. */
  readonly coalesced: string | null
}

export interface ListedItem {
  readonly value: Uint8Array
  readonly contentType: string
  readonly version: number
  readonly timestamp: number
  readonly expiresAtMs: number | null
}

export interface ReadOptions {
  readonly consistency?: 'strong' | 'eventual'
  readonly maxStalenessMs?: number
  readonly asOf?: number
}

export interface WriteOptions {
  readonly contentType?: string
  readonly ttlSeconds?: number
  readonly timestamp?: number
  readonly durability?: 'majority' | 'fast'
  /** CAS: write only if the current version is this one. */
  readonly ifMatch?: number
  /** Create only: write only if no item exists. */
  readonly ifNoneMatch?: boolean
}

export interface ScanOptions extends Pick<ReadOptions, 'consistency'> {
  readonly prefix?: string
  readonly start?: string
  readonly end?: string
  readonly limit?: number
  readonly reverse?: boolean
  readonly cursor?: string
}

function itemPath(table: string, key: string | { partition: string; sort: string }): string {
  const base = `/v1/tables/${encodeURIComponent(table)}`
  if (typeof key === 'string') return `${base}/keys/${encodeURIComponent(key)}`
  const partition = encodeURIComponent(key.partition)
  return `${base}/partitions/${partition}/items/${encodeURIComponent(key.sort)}`
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) search.set(name, String(value))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'))
}

function listed(item: z.infer<typeof ItemJson>): ListedItem {
  return { ...item, value: fromBase64(item.value) }
}

/** The gateway's detail for a 404 caused by a missing table (gateway/routes/items.ts). */
const tableMissingDetail = 'the table does not exist'

export type ItemKeyArg = string | { partition: string; sort: string }

export class ShoalClient {
  readonly #baseUrl: string
  readonly #apiKey: string | undefined
  readonly #timeoutMs: number

  constructor(options: { baseUrl: string; apiKey?: string; timeoutMs?: number }) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#apiKey = options.apiKey
    this.#timeoutMs = options.timeoutMs ?? 10_000
  }

  async #fetch(
    path: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers }
    if (this.#apiKey !== undefined) headers['authorization'] = `Bearer ${this.#apiKey}`
    const response = await fetch(this.#baseUrl + path, {
      ...init,
      headers,
      signal: AbortSignal.timeout(this.#timeoutMs),
    })
    return response
  }

  async #fail(response: Response): Promise<never> {
    const text = await response.text()
    let problem: ShoalHttpError['problem'] = null
    try {
      const parsed = Problem.safeParse(JSON.parse(text))
      if (parsed.success) problem = parsed.data
    } catch {
      // Not JSON: keep the status only.
    }
    throw new ShoalHttpError(response.status, problem, response.headers.get('retry-after'))
  }

  async #json<T>(response: Response, schema: z.ZodType<T>): Promise<T> {
    if (!response.ok) return this.#fail(response)
    return schema.parse(await response.json())
  }

  async createTable(
    name: string,
    settings: { ttlSeconds?: number; maxVersions?: number },
  ): Promise<TableJson> {
    const response = await this.#fetch(`/v1/tables/${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    })
    return this.#json(response, TableJson)
  }

  async listTables(): Promise<TableJson[]> {
    const response = await this.#fetch('/v1/tables')
    return (await this.#json(response, z.object({ tables: z.array(TableJson) }))).tables
  }

  async describeTable(name: string): Promise<TableJson> {
    return this.#json(await this.#fetch(`/v1/tables/${encodeURIComponent(name)}`), TableJson)
  }

  async dropTable(name: string): Promise<void> {
    const response = await this.#fetch(`/v1/tables/${encodeURIComponent(name)}`, {
      method: 'DELETE',
    })
    if (!response.ok) await this.#fail(response)
  }

  async put(
    table: string,
    key: ItemKeyArg,
    value: Uint8Array | string,
    options: WriteOptions = {},
  ): Promise<{ version: number; timestamp: number; created: boolean }> {
    const headers: Record<string, string> = {
      'content-type':
        options.contentType ??
        (typeof value === 'string' ? 'text/plain' : 'application/octet-stream'),
    }
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`
    if (options.ifNoneMatch === true) headers['if-none-match'] = '*'
    const path =
      itemPath(table, key) +
      query({
        ttl: options.ttlSeconds,
        timestamp: options.timestamp,
        durability: options.durability,
      })
    const response = await this.#fetch(path, { method: 'PUT', headers, body: value })
    const body = await this.#json(response, WriteJson)
    return { ...body, created: response.status === 201 }
  }

  /** The item, or null when absent. */
  async get(table: string, key: ItemKeyArg, options: ReadOptions = {}): Promise<ReadItem | null> {
    const path =
      itemPath(table, key) +
      query({
        consistency: options.consistency,
        maxStalenessMs: options.maxStalenessMs,
        asOf: options.asOf,
      })
    const response = await this.#fetch(path)
    if (response.status === 404) {
      // A missing item is an answer; a missing table is an error.
      const problem = Problem.safeParse(await response.json().catch(() => null))
      if (problem.success && problem.data.detail === tableMissingDetail) {
        throw new ShoalHttpError(404, problem.data, null)
      }
      return null
    }
    if (!response.ok) return this.#fail(response)
    return {
      value: new Uint8Array(await response.arrayBuffer()),
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      version: Number((response.headers.get('etag') ?? '"0"').replace(/"/g, '')),
      timestamp: Number(response.headers.get('x-shoal-timestamp') ?? 0),
      coalesced: response.headers.get('x-shoal-coalesced'),
    }
  }

  async delete(table: string, key: ItemKeyArg, options: { ifMatch?: number } = {}): Promise<void> {
    const headers: Record<string, string> = {}
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`
    const response = await this.#fetch(itemPath(table, key), { method: 'DELETE', headers })
    if (!response.ok) await this.#fail(response)
  }

  async versions(
    table: string,
    key: ItemKeyArg,
    options: { limit?: number; from?: number; to?: number } = {},
  ): Promise<
    Array<(ListedItem & { deleted: false }) | { deleted: true; version: number; timestamp: number }>
  > {
    const response = await this.#fetch(`${itemPath(table, key)}/versions${query(options)}`)
    const body = await this.#json(response, VersionsJson)
    return body.versions.map((entry) =>
      entry.deleted ? entry : { ...listed(entry), deleted: false as const },
    )
  }

  async scan(
    table: string,
    partition: string,
    options: ScanOptions = {},
  ): Promise<{ items: Array<ListedItem & { sortKey: string }>; cursor: string | null }> {
    const path =
      `/v1/tables/${encodeURIComponent(table)}/partitions/${encodeURIComponent(partition)}/items` +
      query({ ...options })
    const body = await this.#json(await this.#fetch(path), ScanJson)
    return {
      items: body.items.map((item) => ({ ...listed(item), sortKey: item.sortKey })),
      cursor: body.cursor,
    }
  }

  async multiGet(
    table: string,
    keys: readonly ItemKeyArg[],
    options: Pick<ReadOptions, 'consistency'> = {},
  ): Promise<Array<ListedItem | null>> {
    const body = {
      keys: keys.map((key) =>
        typeof key === 'string' ? key : { partitionKey: key.partition, sortKey: key.sort },
      ),
      ...(options.consistency === undefined ? {} : { consistency: options.consistency }),
    }
    const response = await this.#fetch(`/v1/tables/${encodeURIComponent(table)}/multi-get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const parsed = await this.#json(response, MultiGetJson)
    return parsed.items.map((item) => (item.found ? listed(item) : null))
  }

  async hotKeys(options: { window?: string; limit?: number } = {}): Promise<HotKeysJson> {
    return this.#json(await this.#fetch(`/v1/hotkeys${query(options)}`), HotKeysJson)
  }

  async cluster(): Promise<unknown> {
    return this.#json(await this.#fetch('/v1/cluster'), z.unknown())
  }

  async ready(): Promise<boolean> {
    try {
      return (await this.#fetch('/readyz')).ok
    } catch {
      return false
    }
  }
}
