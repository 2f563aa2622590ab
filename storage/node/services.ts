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
