/**
 * The storage node's RPC API: the contract between the gateway and the storage nodes.
 *
 * Each method has a request and a response schema (zod). The node parses requests with them and
 * the gateway parses responses with them: decoded RPC bodies are `unknown` until parsed (R14).
 * Expected outcomes (not found, precondition failed, not leader) are response variants; failures
 * (deadline, unavailable, corruption) travel as ShoalError codes in error frames.
 *
 * Keys travel as bytes: `table` is a validated name, `partitionKey` and `sortKey` are raw bytes
 * (a plain key-value item has an empty sort key). The gateway computes the shard with
 * shared/hashing/shard-of.ts and sends it, so a node can refuse a request for a shard it does
 * not host (`not-leader` with no hint) instead of guessing.
 */
import { z } from 'zod'

/** Part of the RPC protocol: method names are never renamed, only added. */
export const StorageMethod = {
  get: 'kv.get',
  multiGet: 'kv.multiGet',
  scan: 'kv.scan',
  put: 'kv.put',
  delete: 'kv.delete',
  versions: 'kv.versions',
  createTable: 'catalog.createTable',
  dropTable: 'catalog.dropTable',
  describeTable: 'catalog.describeTable',
  listTables: 'catalog.listTables',
  clusterMap: 'cluster.map',
  status: 'node.status',
} as const

export type StorageMethodName = (typeof StorageMethod)[keyof typeof StorageMethod]

const bytes = z.instanceof(Uint8Array)
const index = z.number().int().nonnegative()

export const Consistency = z.enum(['strong', 'eventual'])
export type Consistency = z.infer<typeof Consistency>
export const Durability = z.enum(['majority', 'fast'])
export type Durability = z.infer<typeof Durability>

export const ItemAddress = z.object({
  shard: index,
  table: z.string().min(1).max(128),
  partitionKey: bytes,
  sortKey: bytes,
})
export type ItemAddress = z.infer<typeof ItemAddress>

export const Item = z.object({
  value: bytes,
  contentType: z.string().max(256),
  /** The Raft log index of the shard that committed the write; the ETag. */
  version: index,
  /** HLC or caller-supplied event time, in ms. */
  timestamp: index,
  /** Absolute expiry (wall ms) from a per-item TTL, or null. */
  expiresAtMs: index.nullable(),
})
export type Item = z.infer<typeof Item>

export const NotLeader = z.object({
  kind: z.literal('not-leader'),
  leaderHint: z.string().nullable(),
})
export type NotLeader = z.infer<typeof NotLeader>
/** The table does not exist in the answering node's catalog replica. */
export const TableNotFound = z.object({ kind: z.literal('table-not-found') })

// --- get ---
export const GetRequest = ItemAddress.extend({
  consistency: Consistency,
  /** For eventual reads: how stale the replica may be (the node refuses when it lags more). */
  maxStalenessMs: index.optional(),
  /** Read as of a timestamp (newest version with timestamp <= asOf). */
  asOf: index.optional(),
})
export type GetRequest = z.infer<typeof GetRequest>
/**
 * `stalenessBoundMs` (eventual reads): the answering replica's bound, at read time, on how far
 * its state lagged the leader's, so a gateway knows how fresh the answer is (it may cache it).
 */
export const GetResponse = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('found'), item: Item, appliedIndex: index,
    stalenessBoundMs: index.optional(),
  }),
  z.object({ kind: z.literal('not-found'), appliedIndex: index }),
  TableNotFound,
  NotLeader,
])
export type GetResponse = z.infer<typeof GetResponse>

// --- multi-get (one shard per request; the gateway splits by shard) ---
export const MultiGetRequest = z.object({
  shard: index,
  table: z.string().min(1).max(128),
  keys: z.array(z.object({ partitionKey: bytes, sortKey: bytes })).max(1000),
  consistency: Consistency,
})
export type MultiGetRequest = z.infer<typeof MultiGetRequest>
export const MultiGetResponse = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ok'), items: z.array(Item.nullable()), appliedIndex: index }),
  TableNotFound,
  NotLeader,
])
export type MultiGetResponse = z.infer<typeof MultiGetResponse>

// --- scan (within one partition) ---
export const ScanRequest = z.object({
  shard: index,
  table: z.string().min(1).max(128),
  partitionKey: bytes,
  prefix: bytes.optional(),
  /** Inclusive lower bound on the sort key. */
  start: bytes.optional(),
  /** Exclusive upper bound on the sort key. */
  end: bytes.optional(),
  limit: z.number().int().min(1).max(1000),
  reverse: z.boolean(),
  consistency: Consistency,
})
export type ScanRequest = z.infer<typeof ScanRequest>
export const ScanResponse = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ok'),
    items: z.array(z.object({ sortKey: bytes, item: Item })),
    /** Present when more items may follow; pass as `start` (forward) or `end` (reverse). */
    resumeAfter: bytes.nullable(),
    appliedIndex: index,
  }),
  TableNotFound,
  NotLeader,
])
export type ScanResponse = z.infer<typeof ScanResponse>

// --- put / delete ---
export const Condition = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('if-match'), version: index }),
  z.object({ kind: z.literal('if-none-match') }),
])
export type Condition = z.infer<typeof Condition>

export const PutRequest = ItemAddress.extend({
  value: bytes,
  contentType: z.string().max(256),
  /** Caller's event time; the server's HLC is used when absent. */
  timestamp: index.optional(),
  ttlSeconds: z.number().int().positive().optional(),
  durability: Durability,
  condition: Condition.optional(),
})
export type PutRequest = z.infer<typeof PutRequest>

export const WriteResponse = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ok'), version: index, timestamp: index, created: z.boolean() }),
  z.object({ kind: z.literal('precondition-failed'), currentVersion: index.nullable() }),
  TableNotFound,
  NotLeader,
])
export type WriteResponse = z.infer<typeof WriteResponse>

export const DeleteRequest = ItemAddress.extend({
  timestamp: index.optional(),
  durability: Durability,
  condition: Condition.optional(),
})
export type DeleteRequest = z.infer<typeof DeleteRequest>

// --- version history ---
export const VersionsRequest = ItemAddress.extend({
  limit: z.number().int().min(1).max(1000),
  fromTimestamp: index.optional(),
  toTimestamp: index.optional(),
  consistency: Consistency,
})
export type VersionsRequest = z.infer<typeof VersionsRequest>
export const VersionsResponse = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ok'),
    versions: z.array(z.object({ item: Item.nullable(), version: index, timestamp: index })),
  }),
  TableNotFound,
  NotLeader,
])
export type VersionsResponse = z.infer<typeof VersionsResponse>

// --- catalog ---
export const TableSettings = z.object({
  ttlSeconds: z.number().int().positive().nullable(),
  maxVersions: z.number().int().min(1).max(1000),
  valueBytesMax: z.number().int().positive(),
})
export type TableSettings = z.infer<typeof TableSettings>

export const TableDescription = TableSettings.extend({
  name: z.string(),
  createdAtMs: index,
  /** Raft index of the catalog entry that created it; distinguishes a re-created table. */
  id: index,
})
export type TableDescription = z.infer<typeof TableDescription>

export const CreateTableRequest = z.object({
  name: z.string().min(1).max(128),
  settings: TableSettings,
})
export const CreateTableResponse = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('created'), table: TableDescription }),
  z.object({ kind: z.literal('exists'), table: TableDescription }),
  NotLeader,
])
export const TableNameRequest = z.object({ name: z.string().min(1).max(128) })
export const DropTableResponse = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dropped') }),
  z.object({ kind: z.literal('not-found') }),
  NotLeader,
])
export const DescribeTableResponse = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('found'), table: TableDescription }),
  z.object({ kind: z.literal('not-found') }),
  NotLeader,
])
export const ListTablesResponse = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ok'), tables: z.array(TableDescription) }),
  NotLeader,
])

// --- cluster map and node status ---
export const ClusterNode = z.object({ id: z.string(), address: z.string() })
export const ClusterMap = z.object({
  epoch: index,
  shardCount: z.number().int().positive(),
  replicationFactor: z.number().int().positive(),
  nodes: z.array(ClusterNode),
  /** placement[shard] = node ids holding a replica, by rendezvous hashing. */
  placement: z.array(z.array(z.string())),
})
export type ClusterMap = z.infer<typeof ClusterMap>

export const ShardStatus = z.object({
  shard: z.number().int().nonnegative(),
  role: z.enum(['leader', 'follower', 'candidate', 'pre-candidate', 'learner']),
  term: index,
  leader: z.string().nullable(),
  commitIndex: index,
  appliedIndex: index,
})
export const NodeStatus = z.object({
  nodeId: z.string(),
  ready: z.boolean(),
  shards: z.array(ShardStatus),
})
export type NodeStatus = z.infer<typeof NodeStatus>
