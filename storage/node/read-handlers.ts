/**
 * Read handlers: get, multi-get, scan and version history. A strong read first gets a read
 * point from Raft (lease or ReadIndex on the leader, then waits until applied reaches it) and
 * reads the LSM synchronously after, so it sees every write acknowledged before it started. An
 * eventual read is served by any replica from its own state and reports its applied index.
 */
import { NONE } from '../raft/messages.ts'
import type {
  Consistency, GetRequest, GetResponse, Item, MultiGetRequest, MultiGetResponse, NotLeader,
  ScanRequest, ScanResponse, VersionsRequest, VersionsResponse,
} from '../../shared/api/storage-api.ts'
import type { TableDescription } from '../../shared/api/storage-api.ts'
import type { Item as LsmItem } from '../lsm/db.ts'
import { childSpan, childSpanSync } from '../../shared/tracing/spans.ts'
import { dataKey, decodeStoredValue, partitionPrefix } from './keys.ts'
import type { NodeServices } from './services.ts'
import { notLeader, resolveTable } from './services.ts'

export function toItem(item: LsmItem): Item {
  const { contentType, value } = decodeStoredValue(item.value)
  return { value: new Uint8Array(value), contentType, version: item.version,
    timestamp: item.timestamp,
    expiresAtMs: item.expiresAtMs === 0 ? null : item.expiresAtMs }
}

type ReadPoint = {
  kind: 'ok'; appliedIndex: number; table: TableDescription
  /** Eventual reads: the replica's lag bound when it read (0 for strong reads). */
  stalenessBoundMs: number
} | NotLeader | { kind: 'table-not-found' }

/** Staleness an eventual read accepts when it does not say (ARCHITECTURE.md). */
const maxStalenessMsDefault = 100

async function readPoint(s: NodeServices, shard: number, tableName: string,
  consistency: Consistency, deadlineMs: number, maxStalenessMs?: number): Promise<ReadPoint> {
  if (!s.host.hasGroup(shard) || shard >= s.topology.shardCount) return notLeader(s, null)
  let appliedIndex = s.host.appliedIndex(shard)
  let stalenessBoundMs = 0
  if (consistency === 'eventual') {
    // A replica that cannot promise the caller's staleness bound sends it elsewhere.
    const bound = s.host.stalenessBoundMs(shard)
    if (bound === null || bound > (maxStalenessMs ?? maxStalenessMsDefault)) {
      const leader = s.host.status(shard).leader
      return notLeader(s, leader === NONE ? null : leader)
    }
    stalenessBoundMs = bound
  }
  if (consistency === 'strong') {
    const point = await childSpan('raft.read_index', { 'shoal.shard': shard },
      () => s.host.readIndex(shard, deadlineMs))
    if (point.kind === 'not-leader') return notLeader(s, point.leader)
    appliedIndex = point.appliedIndex
  }
  const table = await resolveTable(s, tableName, deadlineMs)
  if (table === undefined) return { kind: 'table-not-found' }
  return { kind: 'ok', appliedIndex, table, stalenessBoundMs }
}

export async function handleGet(s: NodeServices, req: GetRequest, deadlineMs: number):
  Promise<GetResponse> {
  const point = await readPoint(s, req.shard, req.table, req.consistency, deadlineMs,
    req.maxStalenessMs)
  if (point.kind !== 'ok') return point
  const key = dataKey(req.shard, { tableId: point.table.id, partitionKey: req.partitionKey,
    sortKey: req.sortKey })
  let found: LsmItem | undefined
  if (req.asOf === undefined) {
    // A span only inside a traced request (shared/tracing); otherwise a plain call.
    found = childSpanSync('lsm.get', { 'shoal.shard': req.shard }, () => s.db.getLatest(key))
  } else {
    const asOf = req.asOf
    found = s.db.versions(key).find((item) => item.timestamp <= asOf)
  }
  if (found === undefined) return { kind: 'not-found', appliedIndex: point.appliedIndex }
  return { kind: 'found', item: toItem(found), appliedIndex: point.appliedIndex,
    ...(req.consistency === 'eventual' ? { stalenessBoundMs: point.stalenessBoundMs } : {}) }
}

export async function handleMultiGet(s: NodeServices, req: MultiGetRequest,
  deadlineMs: number): Promise<MultiGetResponse> {
  const point = await readPoint(s, req.shard, req.table, req.consistency, deadlineMs)
  if (point.kind !== 'ok') return point
  const snapshot = s.db.snapshot()
  try {
    const items = req.keys.map((k) => {
      const key = dataKey(req.shard, { tableId: point.table.id, ...k })
      const found = s.db.getLatest(key, { snapshot })
      return found === undefined ? null : toItem(found)
    })
    return { kind: 'ok', items, appliedIndex: point.appliedIndex }
  } finally {
    snapshot.release()
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

export async function handleScan(s: NodeServices, req: ScanRequest, deadlineMs: number):
  Promise<ScanResponse> {
  const point = await readPoint(s, req.shard, req.table, req.consistency, deadlineMs)
  if (point.kind !== 'ok') return point
  const base = partitionPrefix(req.shard, point.table.id, req.partitionKey)
  const prefix = req.prefix === undefined ? base : concat(base, req.prefix)
  const items = s.db.scan({
    prefix,
    ...(req.start === undefined ? {} : { gte: concat(base, req.start) }),
    ...(req.end === undefined ? {} : { lt: concat(base, req.end) }),
    reverse: req.reverse,
    limit: req.limit + 1,
  })
  const page = items.slice(0, req.limit).map((item) => ({
    sortKey: item.key.slice(base.length), item: toItem(item) }))
  const last = page[page.length - 1]
  let resumeAfter: Uint8Array<ArrayBuffer> | null = null
  if (items.length > req.limit && last !== undefined) {
    // Forward: the smallest sort key after the last one (start is inclusive); reverse: the
    // last one itself (end is exclusive).
    resumeAfter = req.reverse ? new Uint8Array(last.sortKey)
      : concat(last.sortKey, new Uint8Array([0]))
  }
  return { kind: 'ok', items: page, resumeAfter, appliedIndex: point.appliedIndex }
}

export async function handleVersions(s: NodeServices, req: VersionsRequest,
  deadlineMs: number): Promise<VersionsResponse> {
  const point = await readPoint(s, req.shard, req.table, req.consistency, deadlineMs)
  if (point.kind !== 'ok') return point
  const key = dataKey(req.shard, { tableId: point.table.id, partitionKey: req.partitionKey,
    sortKey: req.sortKey })
  const from = req.fromTimestamp ?? 0
  const to = req.toTimestamp ?? Number.MAX_SAFE_INTEGER
  const versions = s.db.versions(key)
    .filter((item) => item.timestamp >= from && item.timestamp <= to)
    .slice(0, req.limit)
    .map((item) => ({ item: toItem(item), version: item.version, timestamp: item.timestamp }))
  return { kind: 'ok', versions }
}
