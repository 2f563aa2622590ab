/**
 * ReadTracker: the leader's heartbeat rounds, which serve both linearizable read mechanisms.
 *
 * - ReadIndex (Raft thesis 6.4): a read records the commit index, then the leader starts a new
 *   heartbeat round; once a quorum of voters has answered that round the leader knows it was
 *   still leader when the read arrived, so the read may be served at that index.
 * - Lease: when a quorum answered round r, sent at leader tick s, no other leader can be elected
 *   before each of those voters has gone `electionTicks` of its own ticks without hearing from
 *   us (they refuse votes while in lease, see Raft.step). With tick rates equal to within one
 *   tick, the lease [s, s + leaseTicks) is safe when leaseTicks <= electionTicks - 2.
 */
import type { Index, NodeId } from './messages.ts'
import { quorumValue } from './quorum.ts'

export interface ReadState {
  /** Serve the read once the local applied index reaches this. */
  readonly index: Index
  readonly context: Uint8Array
}

export interface PendingRead {
  readonly context: Uint8Array
  readonly from: NodeId
  readonly index: Index
  readonly round: number
}

/**
 * Rounds whose send tick is remembered. A lease from an older round ended long ago (rounds are
 * heartbeats, leaseTicks < electionTicks of them), and a forgotten round only means "no lease",
 * which is the safe answer; without this bound a leader that serves no lease read (the only
 * caller that prunes) would remember every heartbeat it ever sent.
 */
const roundsRetained = 256

export class ReadTracker {
  /** Last heartbeat round started in this term. */
  round = 0
  readonly #sentTick = new Map<number, number>()
  readonly #acked = new Map<NodeId, number>()
  #pending: PendingRead[] = []
  readonly #maxPending: number

  constructor(maxPending: number) {
    this.#maxPending = maxPending
  }

  /** Heartbeat rounds whose send tick is remembered (bounded by roundsRetained). */
  get roundsRemembered(): number {
    return this.#sentTick.size
  }

  get pendingCount(): number {
    return this.#pending.length
  }

  startRound(nowTick: number): number {
    this.round++
    this.#sentTick.set(this.round, nowTick)
    this.#sentTick.delete(this.round - roundsRetained)
    return this.round
  }

  /** Returns false when the pending queue is full (the read is dropped). */
  addPending(read: PendingRead): boolean {
    if (this.#pending.length >= this.#maxPending) return false
    this.#pending.push(read)
    return true
  }

  ack(from: NodeId, round: number): void {
    if (round > (this.#acked.get(from) ?? 0)) this.#acked.set(from, round)
  }

  /** The highest round a quorum of `voters` (counting the leader itself) has answered. */
  quorumRound(self: NodeId, voters: readonly NodeId[]): number {
    const rounds: number[] = []
    for (const id of voters) rounds.push(id === self ? this.round : (this.#acked.get(id) ?? 0))
    return quorumValue(rounds, voters.length)
  }

  /** Leader tick until which the lease holds (exclusive); 0 when there is none. */
  leaseExpiry(self: NodeId, voters: readonly NodeId[], leaseTicks: number): number {
    const round = this.quorumRound(self, voters)
    const sent = this.#sentTick.get(round)
    for (const r of this.#sentTick.keys()) if (r < round) this.#sentTick.delete(r)
    return sent === undefined ? 0 : sent + leaseTicks
  }

  /** Leader tick at which the latest round a quorum answered was sent; undefined if none. */
  quorumRoundSentTick(self: NodeId, voters: readonly NodeId[]): number | undefined {
    return this.#sentTick.get(this.quorumRound(self, voters))
  }

  /** Reads whose round a quorum has answered, in arrival order. */
  takeReady(self: NodeId, voters: readonly NodeId[]): PendingRead[] {
    if (this.#pending.length === 0) return []
    const round = this.quorumRound(self, voters)
    let n = 0
    while (n < this.#pending.length && this.#pending[n]!.round <= round) n++
    if (n === 0) return []
    const ready = this.#pending.slice(0, n)
    this.#pending = this.#pending.slice(n)
    return ready
  }

  reset(): void {
    this.round = 0
    this.#sentTick.clear()
    this.#acked.clear()
    this.#pending = []
  }
}
