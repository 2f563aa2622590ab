/**
 * ClusterBackend: the real GatewayBackend. It routes each item to its shard (jump hash), sends
 * the RPC to the right replica through GroupCaller, and coalesces reads per key through the
 * CoalescedReader, whose strong-read rule keeps every strong read linearizable
 * (gateway/coalescer/linearizability.md).
 *
 * Coalescing key: table + encoded item key + a variant holding the consistency and `asOf`.
 * Strong and eventual reads never share a flight: a strong flight goes to the leader (ReadIndex
 * or lease), an eventual one to any replica. Tables are the tenant boundary and every caller of
 * a table is authorised for the same data, so a flight shared across API keys leaks nothing.
 *
 * Multi-get is a set of coalesced single reads, one per key, so it coalesces per key under the
 * same rule; the RPC client batches their frames per event-loop turn.
 */
import {
  GetResponse,
  ScanResponse,
  StorageMethod,
  VersionsResponse,
  WriteResponse,
  type Item,
  type StorageMethodName,
} from '../../shared/api/storage-api.ts'
import type { z } from 'zod'
import { latchFollowing, type AbortLike } from '../../shared/abort/abort-latch.ts'
import { assert } from '../../shared/assert.ts'
import type { Clock } from '../../shared/time/clock.ts'
import { coalescingKey } from '../coalescer/coalescing-key.ts'
import type { CoalescedRead, CoalescedReader, ReadSink } from '../coalescer/coalesced-reader.ts'
import type { ShoalError } from '../../shared/errors.ts'
import type { ShardMap } from '../routing/shard-map.ts'
import type { CatalogClient } from './catalog-client.ts'
import type { ClusterWatcher } from './cluster-watcher.ts'
import type * as B from './gateway-backend.ts'
import type { GroupCaller } from './group-caller.ts'
import type { HotPath } from './hot-path.ts'

export interface ClusterBackendOptions {
  /** Deadline of one backend read or write when the caller gave none. */
  readonly backendTimeoutMs: number
}

export function toStoredItem(item: Item): B.StoredItem {
  return {
    value: item.value,
    contentType: item.contentType,
    version: item.version,
    timestamp: item.timestamp,
    expiresAtMs: item.expiresAtMs,
  }
}

/**
 * What a flight reads: the item or its absence (table-not-found travels as a value too). An
 * eventual read's item carries the replica's lag bound when the node reports one.
 */
export type FlightResult =
  | { readonly kind: 'found'; readonly item: B.StoredItem; readonly stalenessBoundMs?: number }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'table-not-found' }

/**
 * Reads share a flight only when they would get the same answer: same consistency, same asOf,
 * and for eventual reads the same staleness allowance (a flight allowed 1 s of lag must not
 * answer a read that allowed 10 ms).
 */
export function readCoalescingKey(request: B.GetRequest): string {
  const staleness = request.consistency === 'eventual' ? (request.maxStalenessMs ?? '') : ''
  const variant = `${request.consistency}|${request.asOf ?? ''}|${staleness}`
  return coalescingKey({ ...request, tenant: request.table, variant })
}

/**
 * readCoalescingKey memoized per request object: the edge's fast path passes one immutable
 * request object per URL, so a hot key's coalescing key is built once, not per read.
 */
export function memoizedReadCoalescingKey(): (request: B.GetRequest) => string {
  const known = new WeakMap<B.GetRequest, string>()
  return (request) => {
    let key = known.get(request)
    if (key === undefined) {
      key = readCoalescingKey(request)
      known.set(request, key)
    }
    return key
  }
}

/**
 * A waiter's answer from its flight's read; the flight's leader also offers the item to the hot
 * cache. The reader hands every waiter of one role in a flight the same read object, so the
 * last answer is kept and reused for it: a hot key's followers share one answer object.
 */
class FlightAnswers {
  readonly #hot: HotPath
  #lastRead: CoalescedRead<FlightResult> | null = null
  #lastResult: B.GetResult | null = null

  constructor(hot: HotPath) {
    this.#hot = hot
  }

  resultOf(request: B.GetRequest, read: CoalescedRead<FlightResult>): B.GetResult {
    if (read === this.#lastRead && this.#lastResult !== null) return this.#lastResult
    const result = this.#compute(request, read)
    this.#lastRead = read
    this.#lastResult = result
    return result
  }

  #compute(request: B.GetRequest, read: CoalescedRead<FlightResult>): B.GetResult {
    if (read.value.kind === 'table-not-found') return read.value
    const coalescing = { role: read.role, fanIn: read.fanIn }
    if (read.value.kind !== 'found') return { ...read.value, coalescing }
    const { item, stalenessBoundMs } = read.value
    // One offer per flight (its waiters share the key and the answer): the leader's.
    if (read.role !== 'follower') {
      this.#hot.afterRead(request, item, { departedAtMs: read.departedAtMs, stalenessBoundMs })
    }
    return { kind: 'found', item, coalescing }
  }
}

/** One direct read's sink in the reader: settles the caller's sink with the answer. */
class DirectGet implements ReadSink<FlightResult> {
  readonly #answers: FlightAnswers
  readonly #request: B.GetRequest
  readonly #sink: B.DirectGetSink

  constructor(answers: FlightAnswers, request: B.GetRequest, sink: B.DirectGetSink) {
    this.#answers = answers
    this.#request = request
    this.#sink = sink
  }

  readSettled(error: ShoalError | null, read: CoalescedRead<FlightResult> | null): void {
    if (error !== null) return this.#sink.getSettled(error, null)
    assert(read !== null, 'a read settled without an error has a value')
    this.#sink.getSettled(null, this.#answers.resultOf(this.#request, read))
  }
}

export class ClusterBackend implements B.GatewayBackend {
  readonly #clock: Clock
  readonly #caller: GroupCaller
  readonly #reader: CoalescedReader<B.GetRequest, FlightResult>
  readonly #catalog: CatalogClient
  readonly #watcher: ClusterWatcher
  readonly #hot: HotPath
  readonly #answers: FlightAnswers
  readonly #options: ClusterBackendOptions
  #map: ShardMap
  #spread = 0

  constructor(
    clock: Clock,
    deps: {
      caller: GroupCaller
      reader: CoalescedReader<B.GetRequest, FlightResult>
      catalog: CatalogClient
      watcher: ClusterWatcher
      hot: HotPath
      map: ShardMap
      options: ClusterBackendOptions
    },
  ) {
    this.#clock = clock
    this.#caller = deps.caller
    this.#reader = deps.reader
    this.#catalog = deps.catalog
    this.#watcher = deps.watcher
    this.#hot = deps.hot
    this.#answers = new FlightAnswers(deps.hot)
    this.#map = deps.map
    this.#options = deps.options
  }

  #deadlineMs(): number {
    return this.#clock.monotonicMs() + this.#options.backendTimeoutMs
  }

  #target(consistency: B.Consistency): 'leader' | 'any' {
    return consistency === 'strong' ? 'leader' : 'any'
  }

  /** A read RPC to `partitionKey`'s shard: leader for strong reads, any replica otherwise. */
  #read<T>(
    key: { table: string; partitionKey: Uint8Array; consistency: B.Consistency },
    call: { method: StorageMethodName; params: Record<string, unknown>; schema: z.ZodType<T> },
    signal: AbortLike,
  ): Promise<Exclude<T, { kind: 'not-leader'; leaderHint: string | null }>> {
    const shard = this.#map.shardOf(key.table, key.partitionKey)
    return this.#caller.call({
      group: shard,
      method: call.method,
      params: { shard, ...call.params },
      schema: call.schema,
      deadlineMs: this.#deadlineMs(),
      signal,
      target: this.#target(key.consistency),
      idempotent: true,
      spread: this.#spread++,
    })
  }

  /** One uncoalesced backend read: what a flight runs. */
  async readOnce(request: B.GetRequest, options: { signal: AbortLike }): Promise<FlightResult> {
    const params = {
      table: request.table,
      partitionKey: request.partitionKey,
      sortKey: request.sortKey,
      consistency: request.consistency,
      ...(request.maxStalenessMs === undefined ? {} : { maxStalenessMs: request.maxStalenessMs }),
      ...(request.asOf === undefined ? {} : { asOf: request.asOf }),
    }
    const call = { method: StorageMethod.get, params, schema: GetResponse }
    const answer = await this.#read(request, call, options.signal)
    if (answer.kind === 'found') {
      const item = toStoredItem(answer.item)
      const bound = answer.stalenessBoundMs
      return bound === undefined
        ? { kind: 'found', item }
        : { kind: 'found', item, stalenessBoundMs: bound }
    }
    return answer.kind === 'not-found' ? { kind: 'not-found' } : { kind: 'table-not-found' }
  }

  async get(request: B.GetRequest, options: B.CallOptions): Promise<B.GetResult> {
    const cached = this.#hot.beforeRead(request)
    if (cached !== null) {
      return { kind: 'found', item: cached, coalescing: { role: 'cache', fanIn: 1 } }
    }
    const read = await this.#reader.read(request, {
      consistency: request.consistency,
      deadlineMs: this.#deadlineMs(),
      // The abort source when there is one: reading `signal` would make an AbortController.
      ...(options.abortSource === undefined
        ? { signal: options.signal }
        : { abortSource: options.abortSource }),
    })
    return this.#answers.resultOf(request, read)
  }

  /** `get` without a promise per read (the fast path's strong reads and cache misses). */
  getDirect(
    request: B.GetRequest,
    options: B.DirectGetOptions,
    sink: B.DirectGetSink,
  ): B.DirectGetTicket | null {
    const cached = this.#hot.beforeRead(request)
    if (cached !== null) {
      sink.getSettled(null, {
        kind: 'found',
        item: cached,
        coalescing: { role: 'cache', fanIn: 1 },
      })
      return null
    }
    const joinOptions = {
      consistency: request.consistency,
      deadlineMs: Math.min(options.deadlineMs, this.#deadlineMs()),
      deadlineError: options.deadlineError,
    }
    return this.#reader.join(request, joinOptions, new DirectGet(this.#answers, request, sink))
  }

  async multiGet(request: B.MultiGetRequest, options: B.CallOptions): Promise<B.MultiGetResult> {
    const results = await Promise.all(
      request.keys.map((key) =>
        this.get({ table: request.table, ...key, consistency: request.consistency }, options),
      ),
    )
    if (results.some((result) => result.kind === 'table-not-found')) {
      return { kind: 'table-not-found' }
    }
    return {
      kind: 'ok',
      items: results.map((result) => (result.kind === 'found' ? result.item : null)),
    }
  }

  async scan(request: B.ScanRequest, options: B.CallOptions): Promise<B.ScanResult> {
    const params = {
      table: request.table,
      partitionKey: request.partitionKey,
      ...scanBounds(request),
      limit: request.limit,
      reverse: request.reverse,
      consistency: request.consistency,
    }
    const call = { method: StorageMethod.scan, params, schema: ScanResponse }
    const answer = await this.#read(request, call, options.signal)
    if (answer.kind === 'table-not-found') return answer
    const items = answer.items.map((entry) => ({
      sortKey: entry.sortKey,
      item: toStoredItem(entry.item),
    }))
    return { kind: 'ok', items, resumeAfter: answer.resumeAfter }
  }

  put(request: B.PutRequest, options: B.CallOptions): Promise<B.WriteResult> {
    return this.#write(StorageMethod.put, request, options)
  }

  delete(request: B.DeleteRequest, options: B.CallOptions): Promise<B.WriteResult> {
    return this.#write(StorageMethod.delete, request, options)
  }

  async #write(
    method: typeof StorageMethod.put | typeof StorageMethod.delete,
    request: B.PutRequest | B.DeleteRequest,
    options: B.CallOptions,
  ): Promise<B.WriteResult> {
    const shard = this.#map.shardOf(request.table, request.partitionKey)
    // The abort source when there is one: reading `signal` would make an AbortController.
    const following = options.abortSource && latchFollowing(options.abortSource)
    try {
      return await this.#caller.call({
        group: shard,
        method,
        params: { shard, ...request },
        schema: WriteResponse,
        deadlineMs: this.#deadlineMs(),
        signal: following?.latch ?? options.signal,
        target: 'leader',
        idempotent: false,
      })
    } finally {
      following?.release()
      // Also after a failure: an ambiguous write may have been applied.
      this.#hot.afterWrite(request)
    }
  }

  async versions(request: B.VersionsRequest, options: B.CallOptions): Promise<B.VersionsResult> {
    const call = {
      method: StorageMethod.versions,
      params: { ...request },
      schema: VersionsResponse,
    }
    const answer = await this.#read(request, call, options.signal)
    if (answer.kind === 'table-not-found') return answer
    const versions = answer.versions.map((entry) => ({
      item: entry.item === null ? null : toStoredItem(entry.item),
      version: entry.version,
      timestamp: entry.timestamp,
    }))
    return { kind: 'ok', versions }
  }

  createTable(
    name: string,
    settings: B.TableSettingsInput,
    options: B.CallOptions,
  ): Promise<B.CreateTableResult> {
    return this.#catalog.createTable(name, settings, options)
  }

  dropTable(name: string, options: B.CallOptions): Promise<B.DropTableResult> {
    return this.#catalog.dropTable(name, options)
  }

  describeTable(name: string, options: B.CallOptions): Promise<B.DescribeTableResult> {
    return this.#catalog.describeTable(name, options)
  }

  listTables(options: B.CallOptions): Promise<readonly B.TableInfo[]> {
    return this.#catalog.listTables(options)
  }

  async clusterStatus(): Promise<B.ClusterStatus> {
    return this.#watcher.clusterStatus()
  }

  readiness(): B.Readiness {
    return this.#watcher.readiness()
  }
}

/** Storage scan bounds from an HTTP scan request, with a resume point folded in. */
function scanBounds(request: B.ScanRequest): {
  prefix?: Uint8Array
  start?: Uint8Array
  end?: Uint8Array
} {
  let start = request.start
  let end = request.end
  if (request.after !== undefined) {
    // Resume strictly after the last item returned, in scan order.
    if (request.reverse) end = request.after
    else start = successor(request.after)
  }
  return {
    ...(request.prefix === undefined ? {} : { prefix: request.prefix }),
    ...(start === undefined ? {} : { start }),
    ...(end === undefined ? {} : { end }),
  }
}

/** The smallest byte string greater than `key`: key followed by 0x00. */
function successor(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1)
  out.set(key)
  return out
}
