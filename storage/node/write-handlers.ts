/**
 * Write handlers: put and delete (with CAS), and the catalog's create and drop table. The
 * leader resolves the table name to its id from its catalog replica, decides the timestamp
 * (the caller's, or its HLC's wall part) and the absolute expiry, proposes one command and
 * answers with the apply result (or, for durability `fast` without a condition, once the
 * entry is appended locally: see multiraft/host.ts for the loss window).
 */
import type {
  DeleteRequest, PutRequest, TableSettings, WriteResponse,
} from '../../shared/api/storage-api.ts'
import { ShoalError } from '../../shared/errors.ts'
import { childSpan } from '../../shared/tracing/spans.ts'
import type { Command, WriteCondition } from './command.ts'
import { encodeCommand } from './command.ts'
import type { NodeServices } from './services.ts'
import { notLeader, resolveTable } from './services.ts'
import type { ApplyResult } from './state-machine.ts'

function conditionOf(req: PutRequest | DeleteRequest): WriteCondition {
  const c = req.condition
  if (c === undefined) return { kind: 'none' }
  return c.kind === 'if-match' ? { kind: 'if-match', version: c.version } : c
}

export async function handleWrite(s: NodeServices, req: PutRequest | DeleteRequest,
  kind: 'put' | 'delete', deadlineMs: number): Promise<WriteResponse> {
  const group = req.shard
  if (!s.host.hasGroup(group) || group >= s.topology.shardCount) return notLeader(s, null)
  const leader = s.host.leader(group)
  if (leader !== s.topology.raftId(s.nodeId) && leader !== 0) return notLeader(s, leader)
  const table = await resolveTable(s, req.table, deadlineMs)
  if (table === undefined) return { kind: 'table-not-found' }
  if (req.timestamp === undefined) await appliedInheritedEntries(s, group, deadlineMs)
  const timestamp = req.timestamp ?? s.nextTimestamp()
  const ref = { tableId: table.id, partitionKey: req.partitionKey, sortKey: req.sortKey }
  const condition = conditionOf(req)
  let command: Command
  if (kind === 'put') {
    const put = req as PutRequest
    if (put.value.length > table.valueBytesMax) {
      throw new ShoalError('too-large',
        `value of ${put.value.length} bytes over table ${table.name}'s ${table.valueBytesMax}`)
    }
    const expiresAtMs = put.ttlSeconds === undefined ? null
      : s.clock.wallMs() + put.ttlSeconds * 1000
    command = { kind: 'put', ...ref, timestamp, expiresAtMs, condition,
      contentType: put.contentType, value: put.value }
  } else {
    command = { kind: 'delete', ...ref, timestamp, condition }
  }
  const fast = req.durability === 'fast' && condition.kind === 'none'
  // Traced requests: one span from propose to apply (to local append when fast).
  const outcome = await childSpan('raft.propose', { 'shoal.shard': group, 'shoal.fast': fast },
    async (span) => {
      const proposed = await s.host.propose(group, encodeCommand(command), deadlineMs, fast)
      span?.setAttribute('shoal.raft.outcome', proposed.kind)
      return proposed
    })
  if (outcome.kind === 'not-leader') return notLeader(s, outcome.leader)
  if (outcome.kind === 'appended') {
    return { kind: 'ok', version: outcome.index, timestamp, created: false }
  }
  return writeResult(outcome.result)
}

/**
 * A new leader waits until it has applied the entries it inherited before it dates a write:
 * one the old leader acknowledged may carry a later timestamp than this node's clock reads,
 * and nextTimestamp only stays above timestamps already applied. Reads return the version
 * with the highest timestamp, so dating a new write below it would hide the new write.
 */
async function appliedInheritedEntries(s: NodeServices, group: number,
  deadlineMs: number): Promise<void> {
  const termStart = s.host.termStartIndex(group)
  if (s.host.appliedIndex(group) < termStart) await s.host.waitApplied(group, termStart, deadlineMs)
}

function writeResult(result: ApplyResult): WriteResponse {
  if (result.kind === 'ok' || result.kind === 'precondition-failed') return result
  throw new ShoalError('internal', `unexpected apply result ${result.kind} for a data write`)
}

/** Catalog writes go to the catalog group's leader. */
export async function proposeCatalog(s: NodeServices, command: Command, deadlineMs: number):
  Promise<ApplyResult | ReturnType<typeof notLeader>> {
  const group = s.topology.catalogGroup
  if (!s.host.hasGroup(group)) {
    return notLeader(s, s.topology.raftId(s.topology.replicas(group)[0]!))
  }
  const outcome = await s.host.propose(group, encodeCommand(command), deadlineMs)
  if (outcome.kind === 'not-leader') return notLeader(s, outcome.leader)
  if (outcome.kind === 'appended') throw new ShoalError('internal', 'catalog writes are majority')
  return outcome.result
}

export function createTableCommand(s: NodeServices, name: string, settings: TableSettings):
  Command {
  return { kind: 'create-table', name, ttlSeconds: settings.ttlSeconds,
    maxVersions: settings.maxVersions, valueBytesMax: settings.valueBytesMax,
    createdAtMs: s.clock.wallMs() }
}
