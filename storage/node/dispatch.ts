/**
 * The storage node's RpcHandler: parses each method's params with its shared/api schema (bad
 * params are a `bad-request` ShoalError, never a crash), runs the handler with the request's
 * deadline and answers with a schema-shaped value. Also serves the node-internal methods:
 * `raft.batch` (one-way Raft traffic from peer nodes), `raft.installSnapshot` and
 * `raft.requestSnapshot` (snapshots.ts), `node.shardChecksum` (tests and operators compare
 * replicas with it), `node.raftStats` (the host's counters: snapshots, log compactions) and
 * `node.catalogReadIndex` (a catalog read point for a node whose catalog misses a table).
 */
import type { z } from 'zod'
import {
  CreateTableRequest, DeleteRequest, GetRequest, MultiGetRequest, PutRequest, ScanRequest,
  StorageMethod, TableNameRequest, VersionsRequest,
} from '../../shared/api/storage-api.ts'
import type { NodeStatus } from '../../shared/api/storage-api.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { RpcContext, RpcHandler } from '../../shared/rpc/rpc-handler.ts'
import { installSnapshotMethod, requestSnapshotMethod } from '../multiraft/snapshot-wire.ts'
import { decodeRaftBatch, raftBatchMethod } from '../multiraft/wire.ts'
import { shardChecksum, ShardChecksumRequest } from './checksum.ts'
import { handleGet, handleMultiGet, handleScan, handleVersions } from './read-handlers.ts'
import type { NodeServices } from './services.ts'
import { effectiveDeadline, notLeader } from './services.ts'
import { createTableCommand, handleWrite, proposeCatalog } from './write-handlers.ts'

export const shardChecksumMethod = 'node.shardChecksum'
export const raftStatsMethod = 'node.raftStats'
/** Asked of the catalog group's leader: a linearizable catalog read point (resolveTable). */
export const catalogReadIndexMethod = 'node.catalogReadIndex'

function parse<T extends z.ZodType>(schema: T, params: unknown, method: string): z.infer<T> {
  const parsed = schema.safeParse(params)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const where = first === undefined ? '' : `${first.path.join('.')}: ${first.message}`
    throw new ShoalError('bad-request', `${method}: bad params: ${where}`)
  }
  return parsed.data
}

export function makeHandler(s: NodeServices): RpcHandler {
  return async (method: string, params: unknown, context: RpcContext): Promise<unknown> => {
    if (method === raftBatchMethod) return stepBatch(s, params, context)
    if (method === installSnapshotMethod || method === requestSnapshotMethod) {
      if (s.snapshots === undefined) throw new ShoalError('bad-request', `${method}: no snapshots`)
      return method === installSnapshotMethod
        ? s.snapshots.onChunk(params, context.peerNodeId)
        : s.snapshots.onRequest(params, context.peerNodeId)
    }
    const deadline = effectiveDeadline(s.clock, context.deadlineMs)
    switch (method) {
      case StorageMethod.get:
        return handleGet(s, parse(GetRequest, params, method), deadline)
      case StorageMethod.multiGet:
        return handleMultiGet(s, parse(MultiGetRequest, params, method), deadline)
      case StorageMethod.scan:
        return handleScan(s, parse(ScanRequest, params, method), deadline)
      case StorageMethod.versions:
        return handleVersions(s, parse(VersionsRequest, params, method), deadline)
      case StorageMethod.put:
        return handleWrite(s, parse(PutRequest, params, method), 'put', deadline)
      case StorageMethod.delete:
        return handleWrite(s, parse(DeleteRequest, params, method), 'delete', deadline)
      case StorageMethod.createTable: {
        const req = parse(CreateTableRequest, params, method)
        const result = await proposeCatalog(s, createTableCommand(s, req.name, req.settings),
          deadline)
        if (result.kind === 'created' || result.kind === 'exists') {
          return { kind: result.kind, table: result.table }
        }
        return catalogAnswer(result)
      }
      case StorageMethod.dropTable: {
        const req = parse(TableNameRequest, params, method)
        const result = await proposeCatalog(s, { kind: 'drop-table', name: req.name }, deadline)
        if (result.kind === 'dropped') return { kind: 'dropped' }
        return catalogAnswer(result)
      }
      case StorageMethod.describeTable: {
        const req = parse(TableNameRequest, params, method)
        const local = localCatalog(s)
        if (local !== null) return local
        const table = s.stateMachine.catalog.byName(req.name)
        return table === undefined ? { kind: 'not-found' } : { kind: 'found', table }
      }
      case StorageMethod.listTables:
        return localCatalog(s) ?? { kind: 'ok', tables: s.stateMachine.catalog.list() }
      case StorageMethod.clusterMap:
        return s.topology.clusterMap()
      case StorageMethod.status:
        return nodeStatus(s)
      case raftStatsMethod:
        return raftStats(s)
      case catalogReadIndexMethod: {
        const point = await s.host.readIndex(s.topology.catalogGroup, deadline)
        if (point.kind === 'not-leader') return notLeader(s, point.leader)
        return { kind: 'ok', index: point.appliedIndex }
      }
      case shardChecksumMethod: {
        const req = parse(ShardChecksumRequest, params, method)
        if (!s.host.hasGroup(req.shard)) throw new ShoalError('not-found', 'shard not hosted')
        return shardChecksum(s.db, req.shard, s.host.appliedIndex(req.shard))
      }
      default:
        throw new ShoalError('bad-request', `unknown method ${method.slice(0, 64)}`)
    }
  }
}

function catalogAnswer(result: { kind: string }): unknown {
  if (result.kind === 'not-leader' || result.kind === 'not-found') return result
  throw new ShoalError('internal', `unexpected catalog result ${result.kind}`)
}

/** Catalog reads are served by catalog replicas only; others point at one. */
function localCatalog(s: NodeServices): ReturnType<typeof notLeader> | null {
  const group = s.topology.catalogGroup
  if (s.host.hasGroup(group)) return null
  return notLeader(s, s.topology.raftId(s.topology.replicas(group)[0]!))
}

function stepBatch(s: NodeServices, params: unknown, context: RpcContext): null {
  const batch = decodeRaftBatch(params)
  const from = s.topology.raftId(context.peerNodeId)
  if (batch.from !== context.peerNodeId) {
    throw new ShoalError('protocol',
      `raft.batch from ${batch.from} on ${context.peerNodeId}'s link`)
  }
  for (const { group, message } of batch.msgs) {
    if (message.from !== from) throw new ShoalError('protocol', 'raft message with a forged sender')
    s.host.step(group, message)
  }
  return null
}

/**
 * The host's counters (turns, appends, snapshots sent / received / failed, log compactions,
 * entries compacted), the groups awaiting a snapshot and the last streams' figures.
 */
export function raftStats(s: NodeServices): Record<string, unknown> {
  return { ...s.host.stats, partialGroups: s.snapshots?.partialGroups() ?? [],
    lastSnapshotSent: s.snapshots?.lastSent ?? null,
    lastSnapshotReceived: s.snapshots?.lastReceived ?? null }
}

export function nodeStatus(s: NodeServices): NodeStatus {
  return {
    nodeId: s.nodeId,
    ready: s.ready(),
    shards: s.host.groupIds().map((group) => {
      const st = s.host.status(group)
      return {
        shard: group,
        role: st.role as NodeStatus['shards'][number]['role'],
        term: st.term,
        leader: st.leader === 0 ? null : s.topology.nodeIdOf(st.leader),
        commitIndex: st.commit,
        appliedIndex: st.applied,
      }
    }),
  }
}
