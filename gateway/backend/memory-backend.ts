/**
 * MemoryBackend: a faithful in-memory GatewayBackend, the reference model of the item semantics.
 * The route tests run against it now; property tests later compare the real backend with it.
 *
 * Semantics kept (see gateway-backend.ts for the contract):
 * - Versions come from one counter per shard (the Raft log index stands in), so they are unique
 *   and increasing per key. Server timestamps are max(wall ms, last + 1) per shard (an HLC
 *   without the logical part); callers may supply their own event time instead.
 * - Each item keeps its entries ordered by (timestamp desc, version desc), at most the table's
 *   `maxVersions` of them, tombstones included (HBase order). The first entry decides a read:
 *   a tombstone or an expired entry there means not found. With `asOf`, the first entry whose
 *   timestamp <= asOf decides.
 * - Expiry: a per-item TTL sets `expiresAtMs` from the wall clock at write time; a table TTL
 *   expires an entry at `timestamp + ttlSeconds * 1000`. Time comes from the injected Clock.
 * - Every method is synchronous after its optional `gate`, so each check-then-act is atomic.
 *
 * Not thread-safe concerns do not arise (one event loop). Memory is bounded only by the caller.
 */
import { ShoalError } from '../../shared/errors.ts'
import { assert } from '../../shared/assert.ts'
import type { Clock } from '../../shared/time/clock.ts'
import type {
  CallOptions,
  ClusterStatus,
  CreateTableResult,
  DeleteRequest,
  DescribeTableResult,
  DropTableResult,
  GatewayBackend,
  GetRequest,
  GetResult,
  ItemRef,
  MultiGetRequest,
  MultiGetResult,
  PutRequest,
  Readiness,
  ScanRequest,
  ScanResult,
  StoredItem,
  TableInfo,
  TableSettingsInput,
  VersionEntry,
  VersionsRequest,
  VersionsResult,
  WriteCondition,
  WriteResult,
} from './gateway-backend.ts'

export interface MemoryBackendOptions {
  readonly clock: Clock
  /** Shards only scope the version counters here; 16 as in a local cluster. */
  readonly shardCount?: number
  /**
   * Runs before every operation (after the first abort check): a seam for tests to hold a call
   * until its signal aborts, or to fail it with a ShoalError.
   */
  readonly gate?: (operation: string, signal: AbortSignal) => Promise<void>
}

interface Entry {
  readonly version: number
  readonly timestamp: number
  /** null for a tombstone. */
  readonly item: StoredItem | null
}

interface ItemState {
  readonly sortKey: Uint8Array
  /** Ordered by (timestamp desc, version desc); length <= table.maxVersions. */
  readonly entries: Entry[]
}

interface TableState {
  readonly info: TableInfo
  /** partition key (latin1) -> sort key (latin1) -> item. */
  readonly partitions: Map<string, Map<string, ItemState>>
}

interface ShardState {
  lastVersion: number
  lastTimestamp: number
}

/** Bytes as a latin1 string: binary-safe, and string order equals byte order. */
function byteKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

function fnv1a(bytes: Uint8Array, seed: number): number {
  let hash = seed
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return hash
}

function entryOrder(a: Entry, b: Entry): number {
  if (a.timestamp !== b.timestamp) return b.timestamp - a.timestamp
  return b.version - a.version
}

function abortError(signal: AbortSignal): ShoalError {
  const reason: unknown = signal.reason
  if (reason instanceof ShoalError) return reason
  return new ShoalError('aborted', 'the request was cancelled')
}

export class MemoryBackend implements GatewayBackend {
  readonly #clock: Clock
  readonly #shardCount: number
  readonly #gate: MemoryBackendOptions['gate']
  readonly #tables = new Map<string, TableState>()
  readonly #shards: ShardState[] = []
  #nextTableId = 1
  #readiness: Readiness = { ready: true, reasons: [] }

  constructor(options: MemoryBackendOptions) {
    this.#clock = options.clock
    this.#shardCount = options.shardCount ?? 16
    assert(Number.isInteger(this.#shardCount) && this.#shardCount > 0, 'shardCount positive')
    this.#gate = options.gate
    for (let i = 0; i < this.#shardCount; i++)
      this.#shards.push({ lastVersion: 0, lastTimestamp: 0 })
  }

  /** Test seam for /readyz: what `readiness()` reports from now on. */
  setReadiness(readiness: Readiness): void {
    this.#readiness = readiness
  }

  readiness(): Readiness {
    return this.#readiness
  }

  async get(request: GetRequest, options: CallOptions): Promise<GetResult> {
    await this.#enter('get', options.signal)
    const table = this.#tables.get(request.table)
    if (table === undefined) return { kind: 'table-not-found' }
    const item = this.#visible(table, request, request.asOf)
    return item === null ? { kind: 'not-found' } : { kind: 'found', item }
  }

  async multiGet(request: MultiGetRequest, options: CallOptions): Promise<MultiGetResult> {
    await this.#enter('multiGet', options.signal)
    const table = this.#tables.get(request.table)
    if (table === undefined) return { kind: 'table-not-found' }
    const items = request.keys.map((key) =>
      this.#visible(table, { table: request.table, ...key }, undefined),
    )
    return { kind: 'ok', items }
  }

  async scan(request: ScanRequest, options: CallOptions): Promise<ScanResult> {
    await this.#enter('scan', options.signal)
    const table = this.#tables.get(request.table)
    if (table === undefined) return { kind: 'table-not-found' }
    assert(request.limit >= 1, 'scan limit >= 1')
    const partition = table.partitions.get(byteKey(request.partitionKey))
    const candidates = [...(partition?.entries() ?? [])]
      .filter(([key]) => inScanRange(key, request))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    if (request.reverse) candidates.reverse()
    const items: Array<{ sortKey: Uint8Array; item: StoredItem }> = []
    let more = false
    for (const [, state] of candidates) {
      const item = this.#visibleIn(table, state, undefined)
      if (item === null) continue
      if (items.length === request.limit) {
        more = true
        break
      }
      items.push({ sortKey: state.sortKey, item })
    }
    const last = items[items.length - 1]
    return { kind: 'ok', items, resumeAfter: more && last !== undefined ? last.sortKey : null }
  }

  async put(request: PutRequest, options: CallOptions): Promise<WriteResult> {
    await this.#enter('put', options.signal)
    const table = this.#tables.get(request.table)
    if (table === undefined) return { kind: 'table-not-found' }
    if (request.value.byteLength > table.info.valueBytesMax) {
      throw new ShoalError(
        'too-large',
        `value of ${request.value.byteLength} bytes is over the table's ` +
          `valueBytesMax of ${table.info.valueBytesMax}`,
      )
    }
    const nowMs = this.#clock.wallMs()
    const expiresAtMs =
      request.ttlSeconds === undefined ? null : Math.floor(nowMs) + request.ttlSeconds * 1000
    return this.#write(table, request, request.condition, (version, timestamp) => ({
      version,
      timestamp,
      item: {
        value: request.value.slice(),
        contentType: request.contentType,
        version,
        timestamp,
        expiresAtMs,
      },
    }))
  }

  async delete(request: DeleteRequest, options: CallOptions): Promise<WriteResult> {
    await this.#enter('delete', options.signal)
    const table = this.#tables.get(request.table)
    if (table === undefined) return { kind: 'table-not-found' }
    const result = this.#write(table, request, request.condition, (version, timestamp) => ({
      version,
      timestamp,
      item: null,
    }))
    return result.kind === 'ok' ? { ...result, created: false } : result
  }

  async versions(request: VersionsRequest, options: CallOptions): Promise<VersionsResult> {
    await this.#enter('versions', options.signal)
    const table = this.#tables.get(request.table)
    if (table === undefined) return { kind: 'table-not-found' }
    const state = this.#itemState(table, request, false)
    const nowMs = this.#clock.wallMs()
    const versions: VersionEntry[] = []
    for (const entry of state?.entries ?? []) {
      if (versions.length === request.limit) break
      if (isExpired(table.info, entry, nowMs)) continue
      if (request.fromTimestamp !== undefined && entry.timestamp < request.fromTimestamp) continue
      if (request.toTimestamp !== undefined && entry.timestamp > request.toTimestamp) continue
      versions.push({ item: entry.item, version: entry.version, timestamp: entry.timestamp })
    }
    return { kind: 'ok', versions }
  }

  async createTable(
    name: string,
    settings: TableSettingsInput,
    options: CallOptions,
  ): Promise<CreateTableResult> {
    await this.#enter('createTable', options.signal)
    const existing = this.#tables.get(name)
    if (existing !== undefined) return { kind: 'exists', table: existing.info }
    assert(settings.maxVersions >= 1, 'maxVersions >= 1')
    const info: TableInfo = {
      name,
      ...settings,
      createdAtMs: Math.floor(this.#clock.wallMs()),
      id: this.#nextTableId++,
    }
    this.#tables.set(name, { info, partitions: new Map() })
    return { kind: 'created', table: info }
  }

  async dropTable(name: string, options: CallOptions): Promise<DropTableResult> {
    await this.#enter('dropTable', options.signal)
    return this.#tables.delete(name) ? { kind: 'dropped' } : { kind: 'not-found' }
  }

  async describeTable(name: string, options: CallOptions): Promise<DescribeTableResult> {
    await this.#enter('describeTable', options.signal)
    const table = this.#tables.get(name)
    return table === undefined ? { kind: 'not-found' } : { kind: 'found', table: table.info }
  }

  async listTables(options: CallOptions): Promise<readonly TableInfo[]> {
    await this.#enter('listTables', options.signal)
    return [...this.#tables.values()]
      .map((table) => table.info)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async clusterStatus(options: CallOptions): Promise<ClusterStatus> {
    await this.#enter('clusterStatus', options.signal)
    const shards = this.#shards.map((_, shard) => ({
      shard,
      replicas: ['memory'],
      leader: 'memory',
    }))
    return {
      epoch: 1,
      shardCount: this.#shardCount,
      replicationFactor: 1,
      nodes: [{ id: 'memory', address: 'in-process', healthy: true }],
      shards,
    }
  }

  async #enter(operation: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw abortError(signal)
    if (this.#gate === undefined) return
    await this.#gate(operation, signal)
    if (signal.aborted) throw abortError(signal)
  }

  #shardOf(ref: ItemRef): ShardState {
    const seed = fnv1a(new TextEncoder().encode(ref.table), 0x811c9dc5)
    const shard = this.#shards[fnv1a(ref.partitionKey, seed) % this.#shardCount]
    assert(shard !== undefined, 'shard in range')
    return shard
  }

  #itemState(table: TableState, ref: ItemRef, create: boolean): ItemState | undefined {
    const partitionKey = byteKey(ref.partitionKey)
    let partition = table.partitions.get(partitionKey)
    if (partition === undefined) {
      if (!create) return undefined
      partition = new Map()
      table.partitions.set(partitionKey, partition)
    }
    const sortKey = byteKey(ref.sortKey)
    let state = partition.get(sortKey)
    if (state === undefined && create) {
      state = { sortKey: ref.sortKey.slice(), entries: [] }
      partition.set(sortKey, state)
    }
    return state
  }

  #visible(table: TableState, ref: ItemRef, asOf: number | undefined): StoredItem | null {
    const state = this.#itemState(table, ref, false)
    return state === undefined ? null : this.#visibleIn(table, state, asOf)
  }

  #visibleIn(table: TableState, state: ItemState, asOf: number | undefined): StoredItem | null {
    const entry = state.entries.find((e) => asOf === undefined || e.timestamp <= asOf)
    if (entry === undefined || entry.item === null) return null
    return isExpired(table.info, entry, this.#clock.wallMs()) ? null : entry.item
  }

  #write(
    table: TableState,
    ref: ItemRef & { readonly timestamp?: number },
    condition: WriteCondition | undefined,
    makeEntry: (version: number, timestamp: number) => Entry,
  ): WriteResult {
    const current = this.#visible(table, ref, undefined)
    const currentVersion = current === null ? null : current.version
    if (!conditionHolds(condition, currentVersion)) {
      return { kind: 'precondition-failed', currentVersion }
    }
    const shard = this.#shardOf(ref)
    shard.lastVersion += 1
    const version = shard.lastVersion
    let timestamp = ref.timestamp
    if (timestamp === undefined) {
      timestamp = Math.max(Math.floor(this.#clock.wallMs()), shard.lastTimestamp + 1)
      shard.lastTimestamp = timestamp
    }
    const state = this.#itemState(table, ref, true)
    assert(state !== undefined, 'item state created')
    state.entries.push(makeEntry(version, timestamp))
    state.entries.sort(entryOrder)
    state.entries.splice(table.info.maxVersions)
    assert(state.entries.length <= table.info.maxVersions, 'maxVersions kept')
    return { kind: 'ok', version, timestamp, created: current === null }
  }
}

function conditionHolds(condition: WriteCondition | undefined, current: number | null): boolean {
  if (condition === undefined) return true
  if (condition.kind === 'if-none-match') return current === null
  return current === condition.version
}

function isExpired(info: TableInfo, entry: Entry, nowMs: number): boolean {
  if (entry.item !== null && entry.item.expiresAtMs !== null && nowMs >= entry.item.expiresAtMs) {
    return true
  }
  return info.ttlSeconds !== null && nowMs >= entry.timestamp + info.ttlSeconds * 1000
}

function inScanRange(key: string, request: ScanRequest): boolean {
  if (request.prefix !== undefined && !key.startsWith(byteKey(request.prefix))) return false
  if (request.start !== undefined && key < byteKey(request.start)) return false
  if (request.end !== undefined && key >= byteKey(request.end)) return false
  if (request.after !== undefined) {
    const after = byteKey(request.after)
    if (request.reverse ? key >= after : key <= after) return false
  }
  return true
}
