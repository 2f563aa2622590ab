/**
 * Leader preference: moves each group's leadership to the first node of an ordered list that
 * can take it (the cluster file's `leaderPreference`).
 *
 * Why: when the storage nodes share one host's cores (a local cluster, the loopback
 * benchmarks), spreading leaders buys no CPU, and it makes every node leader of some groups
 * and follower of the others, so each of its turns both sends appends and answers them. With
 * one leader node every peer batch carries all groups: cluster bench, puts at 64 in flight,
 * 0.36 → 0.22 ms of CPU per put (README, Performance). On separate hosts leave it unset, so
 * elections spread the leaders and their load.
 *
 * Safety is the Raft core's: a transfer (Raft thesis 3.10) catches the target up, sends it
 * TimeoutNow and is abandoned after an election timeout; the host holds new proposals while one
 * is under way (they go to whoever leads after it). This file only decides when to ask: a
 * target must be a voter that the leader heard from lately, replicates to in steady state and
 * that is at most `maxLagEntries` behind, so a node that is restarting or catching up from a
 * snapshot is not asked (writes would stall for the whole timeout). Attempts per group are
 * paced `retryTicks` apart and back off while they fail, so a preferred node that cannot win
 * is not retried hot.
 */
import type { NodeId } from '../raft/messages.ts'

/** What the leader of one group knows about a possible target. */
export interface LeaderView {
  readonly self: NodeId
  readonly voters: readonly NodeId[]
  readonly lastIndex: number
  /** The peer's replication state, or null if the leader tracks none for it. */
  peer(id: NodeId): { readonly active: boolean; readonly replicating: boolean;
    readonly match: number } | null
}

/** How far behind the leader's log a target may be (one append catches it up). */
export const maxLagEntries = 128

/** The node leadership should move to, or null where this leader already is the best choice. */
export function preferredLeader(order: readonly NodeId[], view: LeaderView): NodeId | null {
  for (const id of order) {
    if (id === view.self) return null
    if (!view.voters.includes(id)) continue
    const p = view.peer(id)
    if (p !== null && p.active && p.replicating && view.lastIndex - p.match <= maxLagEntries) {
      return id
    }
  }
  return null
}

/** Repeated failures back off up to this many retry periods. */
export const backoffMax = 32

/**
 * Paces transfer attempts per group; its clock is the caller's ticks. An attempt after which
 * this node still leads (the target could not win: it lags, or a one-way partition drops its
 * votes) doubles the group's wait, up to `backoffMax` periods, since each failed transfer holds
 * the group's writes for up to an election timeout. `forget` (this node stopped leading the
 * group, e.g. the transfer worked) starts the group afresh.
 */
export class LeaderPreference {
  readonly #order: readonly NodeId[]
  readonly #retryTicks: number
  readonly #groups = new Map<number, { wait: number; periods: number }>()

  constructor(order: readonly NodeId[], retryTicks: number) {
    this.#order = order
    this.#retryTicks = retryTicks
  }

  /**
   * Called once per tick for each group this node leads with no transfer under way: the node
   * to hand `group` to now, or null.
   */
  target(group: number, view: LeaderView): NodeId | null {
    const g = this.#groups.get(group)
    if (g !== undefined && g.wait > 0) {
      g.wait--
      return null
    }
    const to = preferredLeader(this.#order, view)
    if (to === null) return null
    // Still leading after an earlier attempt: that one failed.
    const periods = g === undefined ? 1 : Math.min(backoffMax, g.periods * 2)
    this.#groups.set(group, { wait: periods * this.#retryTicks, periods })
    return to
  }

  /** This node no longer leads `group`. */
  forget(group: number): void {
    this.#groups.delete(group)
  }
}
