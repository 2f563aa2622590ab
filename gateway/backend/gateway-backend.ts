/**
 * GatewayBackend: what the HTTP routes call. It speaks items (table, partition key, sort key)
 * rather than shards and nodes; the real implementation (routing + coalescing + RPC to nodes)
 * and the in-memory reference model (memory-backend.ts) both implement it.
 *
 * Contract, shared by every implementation:
 * - Expected outcomes are variants of the result (`found`, `not-found`, `table-not-found`,
 *   `precondition-failed`, ...). Failures (deadline, shard unavailable, overload, corruption)
 *   are thrown as ShoalError; nothing here knows about HTTP.
 * - Every call takes `{ signal }`. When the signal aborts, the call rejects promptly with the
 *   signal's reason if it is a ShoalError (the deadline middleware aborts with
 *   `deadline-exceeded`), otherwise with ShoalError('aborted'). It never resolves afterwards.
 * - Inputs reaching the backend are already validated by the edge (names, byte limits);
 *   a backend may still refuse with ShoalError('bad-request' | 'too-large').
 * - A read returns the version with the highest timestamp (ties: higher version) that is not
 *   expired; a tombstone there means not found. `asOf` restricts to timestamps <= asOf.
 * - A CAS (`if-match`) compares with the version of that visible entry; `if-none-match`
 *   succeeds only when no visible entry exists.
 */
import type { Consistency, Durability } from '../../shared/api/storage-api.ts'
import type { ShoalError } from '../../shared/errors.ts'

export type { Consistency, Durability }

/**
 * Cancellation without an AbortSignal: an AbortController plus an EventTarget listener per
 * read cost a few percent of a coalesced read's CPU; plain callbacks do the same job.
 */
export interface AbortSource {
  /** Calls `listener` once at cancellation (at once when already cancelled); returns unhook. */
  onAbort(listener: (reason: Error) => void): () => void
}

export interface CallOptions {
  readonly signal: AbortSignal
  /** When present, the same cancellation as `signal`, cheaper to listen to (prefer it). */
  readonly abortSource?: AbortSource
}

export interface ItemRef {
  readonly table: string
  readonly partitionKey: Uint8Array
  /** Empty for a plain key-value item. */
  readonly sortKey: Uint8Array
}

export interface StoredItem {
  readonly value: Uint8Array
  readonly contentType: string
  /** Unique and increasing per shard (the Raft log index in the real system); the ETag. */
  readonly version: number
  /** Server HLC or caller event time, in ms. */
  readonly timestamp: number
  /** Absolute expiry in wall ms from a per-item TTL, or null. */
  readonly expiresAtMs: number | null
}

/** How a read was served by the coalescer; absent when the backend does not coalesce. */
export interface CoalescingInfo {
  readonly role: 'leader' | 'follower' | 'cache'
  /** Client reads answered by the same backend read (1 when alone). */
  readonly fanIn: number
}

export interface GetRequest extends ItemRef {
  readonly consistency: Consistency
  readonly maxStalenessMs?: number
  readonly asOf?: number
}

export type GetResult =
  | { readonly kind: 'found'; readonly item: StoredItem; readonly coalescing?: CoalescingInfo }
  | { readonly kind: 'not-found'; readonly coalescing?: CoalescingInfo }
  | { readonly kind: 'table-not-found' }

export interface MultiGetRequest {
  readonly table: string
  readonly keys: ReadonlyArray<{ readonly partitionKey: Uint8Array; readonly sortKey: Uint8Array }>
  readonly consistency: Consistency
}

export type MultiGetResult =
  /** items[i] answers keys[i]; null when absent. */
  | { readonly kind: 'ok'; readonly items: ReadonlyArray<StoredItem | null> }
  | { readonly kind: 'table-not-found' }

export interface ScanRequest {
  readonly table: string
  readonly partitionKey: Uint8Array
  readonly prefix?: Uint8Array
  /** Inclusive lower bound on the sort key. */
  readonly start?: Uint8Array
  /** Exclusive upper bound on the sort key. */
  readonly end?: Uint8Array
  /** Exclusive resume point: items after it in scan order (a previous page's resumeAfter). */
  readonly after?: Uint8Array
  readonly limit: number
  readonly reverse: boolean
  readonly consistency: Consistency
}

export interface ScannedItem {
  readonly sortKey: Uint8Array
  readonly item: StoredItem
}

export type ScanResult =
  | {
      readonly kind: 'ok'
      readonly items: readonly ScannedItem[]
      /** The last sort key returned when more items may follow; null at the end. */
      readonly resumeAfter: Uint8Array | null
    }
  | { readonly kind: 'table-not-found' }

export type WriteCondition =
  { readonly kind: 'if-match'; readonly version: number } | { readonly kind: 'if-none-match' }

export interface PutRequest extends ItemRef {
  readonly value: Uint8Array
  readonly contentType: string
  readonly timestamp?: number
  readonly ttlSeconds?: number
  readonly durability: Durability
  readonly condition?: WriteCondition
}

export interface DeleteRequest extends ItemRef {
  readonly timestamp?: number
  readonly durability: Durability
  readonly condition?: WriteCondition
}

export type WriteResult =
  /** `created`: no visible item existed before this write (for a delete: always false). */
  | {
      readonly kind: 'ok'
      readonly version: number
      readonly timestamp: number
      readonly created: boolean
    }
  | { readonly kind: 'precondition-failed'; readonly currentVersion: number | null }
  | { readonly kind: 'table-not-found' }

export interface VersionsRequest extends ItemRef {
  readonly limit: number
  /** Inclusive bounds on the timestamp. */
  readonly fromTimestamp?: number
  readonly toTimestamp?: number
  readonly consistency: Consistency
}

export interface VersionEntry {
  /** null for a tombstone. */
  readonly item: StoredItem | null
  readonly version: number
  readonly timestamp: number
}

export type VersionsResult =
  /** Kept, unexpired versions, newest first (timestamp desc, then version desc). */
  | { readonly kind: 'ok'; readonly versions: readonly VersionEntry[] }
  | { readonly kind: 'table-not-found' }

export interface TableSettingsInput {
  readonly ttlSeconds: number | null
  readonly maxVersions: number
  readonly valueBytesMax: number
}

export interface TableInfo extends TableSettingsInput {
  readonly name: string
  readonly createdAtMs: number
  /** Distinguishes a re-created table from the dropped one of the same name. */
  readonly id: number
}

export type CreateTableResult =
  | { readonly kind: 'created'; readonly table: TableInfo }
  | { readonly kind: 'exists'; readonly table: TableInfo }

export type DropTableResult = { readonly kind: 'dropped' } | { readonly kind: 'not-found' }

export type DescribeTableResult =
  { readonly kind: 'found'; readonly table: TableInfo } | { readonly kind: 'not-found' }

export interface NodeHealth {
  readonly id: string
  readonly address: string
  readonly healthy: boolean
}

export interface ShardPlacement {
  readonly shard: number
  readonly replicas: readonly string[]
  readonly leader: string | null
}

export interface ClusterStatus {
  readonly epoch: number
  readonly shardCount: number
  readonly replicationFactor: number
  readonly nodes: readonly NodeHealth[]
  readonly shards: readonly ShardPlacement[]
}

export interface Readiness {
  readonly ready: boolean
  /** Why not ready (empty when ready); plain sentences for operators. */
  readonly reasons: readonly string[]
}

/** Options of `getDirect`: the read's absolute deadline and the error it ends with there. */
export interface DirectGetOptions {
  /** Absolute deadline on the backend's monotonic clock. */
  readonly deadlineMs: number
  /** The 'deadline-exceeded' error the read gets when its deadline passes. */
  readonly deadlineError: () => ShoalError
}

/**
 * Where a direct read ends, exactly once: an error, or the result. An object rather than a
 * callback, so a caller's per-read state can be its own sink (no closure per read).
 */
export interface DirectGetSink {
  getSettled(error: unknown, result: GetResult | null): void
}

/** A direct read in progress: `leave` ends it with `error` (e.g. the client left). */
export interface DirectGetTicket {
  leave(error: ShoalError): void
}

export interface GatewayBackend {
  get(request: GetRequest, options: CallOptions): Promise<GetResult>
  /**
   * Optional callback form of `get` for the edge's fast path: the same read and answer without
   * a promise, AbortSignal or timer per read. The sink is settled exactly once, at the latest
   * at the deadline; it may be settled before `getDirect` returns (which then returns null).
   * Without it the fast path uses `get`.
   */
  getDirect?(
    request: GetRequest,
    options: DirectGetOptions,
    sink: DirectGetSink,
  ): DirectGetTicket | null
  multiGet(request: MultiGetRequest, options: CallOptions): Promise<MultiGetResult>
  scan(request: ScanRequest, options: CallOptions): Promise<ScanResult>
  put(request: PutRequest, options: CallOptions): Promise<WriteResult>
  delete(request: DeleteRequest, options: CallOptions): Promise<WriteResult>
  versions(request: VersionsRequest, options: CallOptions): Promise<VersionsResult>
  /** The edge fills every setting (defaults included), so all backends agree on them. */
  createTable(
    name: string,
    settings: TableSettingsInput,
    options: CallOptions,
  ): Promise<CreateTableResult>
  dropTable(name: string, options: CallOptions): Promise<DropTableResult>
  describeTable(name: string, options: CallOptions): Promise<DescribeTableResult>
  listTables(options: CallOptions): Promise<readonly TableInfo[]>
  clusterStatus(options: CallOptions): Promise<ClusterStatus>
  /** Cheap and local (no backend round trip): used by /readyz. */
  readiness(): Readiness
}
