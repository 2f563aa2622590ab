/**
 * NodeServices: what the RPC handlers of a storage node use, gathered in one place so the
 * handlers stay plain functions (and tests can build them over in-process parts).
 */
import type { NotLeader, TableDescription } from '../../shared/api/storage-api.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { Clock } from '../../shared/time/clock.ts'
import type { Db } from '../lsm/db.ts'
import type { MultiRaftHost } from '../multiraft/host.ts'
import type { NodeId } from '../raft/messages.ts'
import type { SnapshotService } from './snapshots.ts'
import type { ApplyResult, NodeStateMachine } from './state-machine.ts'
import type { Topology } from './topology.ts'

export interface NodeServices {
  readonly nodeId: string
  readonly host: MultiRaftHost<ApplyResult>
  readonly db: Db
  readonly stateMachine: NodeStateMachine
  readonly topology: Topology
  readonly clock: Clock
  /** A write timestamp in ms, never below one this node issued before (HLC wall part). */
  nextTimestamp(): number
  ready(): boolean
  /** InstallSnapshot, both ends (absent in tests that build services without a node). */
  readonly snapshots?: SnapshotService
  /**
   * A linearizable read point of the catalog group (its leader's ReadIndex, over RPC when the
   * leader is another node). Absent when the node has no peers to ask (some tests).
   */
  readonly catalogReadIndex?: (deadlineMs: number) => Promise<number>
}

export function notLeader(services: NodeServices, leader: NodeId | null): NotLeader {
  const hint = leader === null ? null : services.topology.nodeIdOf(leader)
  return { kind: 'not-leader', leaderHint: hint === services.nodeId ? null : hint }
}

/** Answers must leave before the caller's deadline: keep a small margin for the trip back. */
export const answerMarginMs = 10
/** A deadline for calls that carry none (one-way messages never reach these handlers). */
export const defaultBudgetMs = 5_000

export function effectiveDeadline(clock: Clock, deadlineMs: number): number {
  if (!Number.isFinite(deadlineMs)) return clock.monotonicMs() + defaultBudgetMs
  return deadlineMs - answerMarginMs
}

/**
 * The table a data request names, from this node's catalog replica. "No such table" is only
 * answered when that replica is caught up (it knows a catalog leader and has applied every
 * entry it knows committed): a node just restarted, still replaying its catalog, would
 * otherwise deny a table that exists — a 404 for a write that the caller then takes as final.
 * Until then the request gets a retryable shard-unavailable (nothing was proposed).
 */
export function tableOf(s: NodeServices, name: string): TableDescription | undefined {
  const table = s.stateMachine.catalog.byName(name)
  if (table !== undefined) return table
  if (s.host.stalenessBoundMs(s.topology.catalogGroup) === null) {
    throw new ShoalError('shard-unavailable',
      `this node's catalog replica is catching up; table ${name} not known yet`)
  }
  return undefined
}

/**
 * The table a data request names, or undefined only when it does not exist as of a point
 * after the request arrived. A hit in the local catalog replica answers at once (tables are
 * created before use, and a dropped table's data is unreachable either way). A miss may be a
 * table created a moment ago that this replica has not heard of yet, so before denying it the
 * node takes a linearizable catalog read point and waits until its replica has applied it.
 */
export async function resolveTable(s: NodeServices, name: string, deadlineMs: number):
  Promise<TableDescription | undefined> {
  const local = s.stateMachine.catalog.byName(name)
  if (local !== undefined) return local
  const group = s.topology.catalogGroup
  if (s.catalogReadIndex === undefined || !s.host.hasGroup(group)) return tableOf(s, name)
  let index: number
  try {
    index = await s.catalogReadIndex(deadlineMs)
  } catch (error) {
    throw new ShoalError('shard-unavailable',
      `table ${name} is not in this node's catalog and the catalog leader could not confirm ` +
      `it: ${error instanceof Error ? error.message : String(error)}`)
  }
  await s.host.waitApplied(group, index, deadlineMs)
  return s.stateMachine.catalog.byName(name)
}
