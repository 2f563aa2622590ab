/**
 * MultiRaftHost: drives every Raft group replica of one node (one RawNode each) over one shared
 * RaftLogEngine, one transport and one state machine.
 *
 * A processing turn first proposes each group's queued commands as one batch, then drains
 * every group's Ready and follows ready.ts's contract for all of them at once: (1) a leader's
 * appends and heartbeats go out at once (Raft thesis 10.2.1); (2) ALL entries and hard states
 * are persisted with one engine.append, i.e. one fsync for the whole node (group commit), while
 * committed entries that earlier turns stored are applied; (3) the other messages (votes,
 * answers) go out, one `raft.batch` frame per peer node; (4) the rest of the committed entries
 * are applied, in order, group by group; (5) read states are served once applied; (6) advance.
 * Turns run one at a time; inputs that arrive during a turn (peer messages, proposals, ticks)
 * are stepped into the RawNodes (proposals queued) and handled by the next turn, which starts as
 * soon as the current one ends. So a busy node fsyncs once per turn for everything that arrived
 * meanwhile, and an idle node does nothing. Why (1) and (2) are safe: the core counts the
 * leader's own entries at append time, but a commit it learns from the answers is only sent
 * and applied in a later Ready, taken after this turn's fsync; and a committed entry stored by
 * an earlier turn is durable here and can never be overwritten.
 *
 * Hard states that only move the commit index are not fsynced on their own (ready.ts allows
 * it); they ride along with the next write. On restart the host raises the stored commit to
 * the state machine's applied index, which is safe because only committed entries are applied.
 *
 * Snapshots and compaction. The node compacts a group's log below its durable applied index
 * (compactLog). When the core must send a follower entries that are gone, it emits a 'snap'
 * message; the host hands it to SnapshotHooks.send, and the node streams the state machine's
 * range (storage/node/snapshots.ts). The receiving host freezes the group (no Ready taken, so
 * nothing is applied over the ingest), and once the data is in and durable, installSnapshot
 * hands the core the snapshot at the start of a turn: the core answers the leader, the next
 * Ready records the new compacted prefix in the log engine, and the group thaws.
 *
 * Durability `fast`: the proposal resolves when its entry leaves the leader's Ready for the
 * log engine, before the fsync and before a quorum stored it. Loss window: a leader crash (or
 * power loss) before the next group-commit fsync AND before a majority appended the entry
 * loses it; about one turn (one fsync, typically 1-10 ms). The apply result is not known
 * then, so conditional writes always use majority durability.
 */
import { assert } from '../../shared/assert.ts'
import { ReleasingMap } from '../../shared/collections/releasing-map.ts'
import { ShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { Logger } from '../../shared/log.ts'
import type { Prng } from '../../shared/random/prng.ts'
import type { Clock, TimerHandle, Timers } from '../../shared/time/clock.ts'
import type { RaftLogEngine, LogWrite } from '../raftlog/log-engine.ts'
import type { ReadMode } from '../raft/config.ts'
import type { Entry, HardState, Message, NodeId, Snapshot } from '../raft/messages.ts'
import { message, NONE } from '../raft/messages.ts'
import { RawNode } from '../raft/raw-node.ts'
import type { Ready } from '../raft/ready.ts'
import { LeaderPreference, type LeaderView } from './leader-preference.ts'
import { GroupLogStorage } from './log-storage.ts'
import { AppliedWaiters, ProposalWaiters, withDeadline, type Settler } from './waiters.ts'
import type { GroupMessage } from './wire.ts'

export interface StateMachine<R> {
  /**
   * Applies committed entries of one group in log order; one result per entry. `awaited` says
   * whether a local proposer waits for an entry's result: when none does (a follower, or a
   * proposer that left), the machine may skip work that only shapes the result.
   */
  apply(group: number, entries: readonly Entry[], awaited: (entry: Entry) => boolean):
    Promise<R[]>
}

export interface HostTransport {
  /** Sends one batch to a peer node; may drop it (Raft retries). */
  send(peer: NodeId, msgs: readonly GroupMessage[]): void
}

export interface GroupSpec {
  readonly group: number
  readonly voters: readonly NodeId[]
  /** The state machine's durable applied index for this group. */
  readonly applied: number
  /** The state machine's data is partial (a snapshot ingest was cut short): apply nothing and
   * process no Ready until a snapshot is installed (snapshots.ts). */
  readonly awaitingSnapshot?: boolean
}

/** Where the host hands snapshot work to the node (the data lives in the state machine). */
export interface SnapshotHooks {
  /** The core wants `to` to receive a snapshot of `group`; must not block (it streams). */
  send(group: number, to: NodeId): void
}

/** A snapshot whose data the state machine already holds durably, to hand to the core. */
export interface InstalledSnapshot {
  readonly index: number
  readonly term: number
  /** The sending leader and its term when it took the snapshot. */
  readonly from: NodeId
  readonly leaderTerm: number
}

export interface HostOptions<R> {
  readonly nodeId: NodeId
  readonly groups: readonly GroupSpec[]
  readonly engine: RaftLogEngine
  readonly stateMachine: StateMachine<R>
  readonly transport: HostTransport
  readonly clock: Clock
  readonly timers: Timers
  readonly prng: Prng
  readonly logger: Logger
  readonly tickMs: number
  readonly electionTicks: number
  readonly readMode: ReadMode
  /** The host failed (log engine or state machine I/O): the process must exit and recover. */
  readonly onFatal?: (error: unknown) => void
  /** Without hooks a 'snap' message from the core is dropped (the log is then never compacted
   * below what every replica stored). */
  readonly snapshots?: SnapshotHooks
  /** Nodes to hand group leadership to, most preferred first (leader-preference.ts); none by
   * default: elections decide. */
  readonly leaderPreference?: readonly NodeId[]
}

export type ProposeOutcome<R> =
  | { readonly kind: 'applied'; readonly index: number; readonly result: R }
  | { readonly kind: 'appended'; readonly index: number } // durability fast
  | { readonly kind: 'not-leader'; readonly leader: NodeId }

export type ReadOutcome =
  | { readonly kind: 'ready'; readonly appliedIndex: number }
  | { readonly kind: 'not-leader'; readonly leader: NodeId }

interface Group<R> {
  readonly id: number
  readonly node: RawNode
  readonly proposals: ProposalWaiters<ProposeOutcome<R>>
  readonly fast: Set<number>
  /** Reads waiting for a read index, by context (a ReleasingMap: see there). */
  readonly reads: ReleasingMap<string, { resolve(index: number): void; reject(e: unknown): void }>
  readonly applied: AppliedWaiters
  readonly confState: { voters: NodeId[]; learners: NodeId[] }
  /** Proposals waiting for the next turn, which proposes them as one batch. */
  readonly queued: QueuedProposal<R>[]
  hardState: HardState | null
  appliedIndex: number
  leaderWaiters: Array<() => void>
  /** No Ready is taken (nothing persisted, sent or applied) while a snapshot is ingested or
   * awaited: messages wait in the core, so the state machine's group range is left alone. */
  frozen: boolean
}

/** A proposal between its arrival and its turn; `index` is set once proposed. */
interface QueuedProposal<R> {
  readonly data: Uint8Array
  readonly fast: boolean
  readonly settle: Settler<ProposeOutcome<R>>
  index: number
}

/** Election timeouts between two transfer attempts of one group (leader-preference.ts). */
const preferenceRetryElections = 4

export class MultiRaftHost<R> {
  readonly #o: HostOptions<R>
  readonly #groups = new Map<number, Group<R>>()
  #tick: TimerHandle | null = null
  readonly #preference: LeaderPreference | null
  #turn: Promise<void> | null = null
  #again = false
  #failure: unknown = undefined
  #closed = false
  #readSeq = 0
  #installs: Array<{ group: number; snapshot: InstalledSnapshot }> = []
  readonly stats = {
    turns: 0, appends: 0, messagesSent: 0, entriesApplied: 0,
    /** Snapshot streams completed to a follower / ingested and installed / failed either way. */
    snapshotsSent: 0, snapshotsReceived: 0, snapshotsFailed: 0,
    /** Raft log compactions done and the entries they dropped. */
    logCompactions: 0, entriesCompacted: 0,
  }

  constructor(options: HostOptions<R>) {
    assert(options.tickMs > 0, 'tick must be positive')
    this.#o = options
    const order = options.leaderPreference ?? []
    this.#preference = order.length === 0 ? null
      : new LeaderPreference(order, preferenceRetryElections * options.electionTicks)
    for (const spec of options.groups) this.#addGroup(spec)
  }

  #addGroup(spec: GroupSpec): void {
    const o = this.#o
    assert(spec.voters.includes(o.nodeId), `group ${spec.group} does not include this node`)
    const confState = { voters: [...spec.voters], learners: [] }
    const storage = new GroupLogStorage(o.engine, spec.group, confState)
    const applied = Math.min(spec.applied, storage.lastIndex())
    const node = new RawNode({
      id: o.nodeId, storage, prng: o.prng.fork(), electionTicks: o.electionTicks,
      heartbeatTicks: 1, preVote: true, checkQuorum: true, readMode: o.readMode,
      disableProposalForwarding: true, applied,
    })
    // Only committed entries are ever applied, so a commit index behind `applied` (a
    // commit-only hard state that was not fsynced) can safely be raised to it.
    if (node.raft.log.committed < applied) node.raft.log.committed = applied
    node.raft.log.appliedTo(applied)
    this.#groups.set(spec.group, {
      id: spec.group, node, proposals: new ProposalWaiters(), fast: new Set(),
      reads: new ReleasingMap(), applied: new AppliedWaiters(), queued: [], hardState: null,
      appliedIndex: applied, leaderWaiters: [],
      confState, frozen: spec.awaitingSnapshot === true,
    })
  }

  get failure(): unknown {
    return this.#failure
  }

  groupIds(): number[] {
    return [...this.#groups.keys()]
  }

  hasGroup(group: number): boolean {
    return this.#groups.has(group)
  }

  start(): void {
    assert(this.#tick === null, 'host started twice')
    this.#tick = this.#o.timers.every(this.#o.tickMs, () => {
      for (const g of this.#groups.values()) {
        g.node.tick()
        this.#prefer(g)
      }
      this.#schedule()
    })
    this.#schedule()
  }

  /** Stops ticking, waits for the turn in flight and fails every waiter with `closed`. */
  async close(): Promise<void> {
    this.#closed = true
    this.#tick?.cancel()
    while (this.#turn !== null) await this.#turn
    const closed = new ShoalError('closed', 'the node is shutting down')
    for (const g of this.#groups.values()) this.#failWaiters(g, closed)
  }

  /** A message from a peer; unknown groups are dropped (a stale or misdirected peer). */
  step(group: number, message: Message): void {
    const g = this.#groups.get(group)
    if (g === undefined || this.#closed || message.to !== this.#o.nodeId) return
    g.node.step(message)
    this.#schedule()
  }

  leader(group: number): NodeId {
    return this.#group(group).node.raft.lead
  }

  status(group: number): { role: string; term: number; leader: NodeId; commit: number;
    applied: number; lastIndex: number } {
    const g = this.#group(group)
    const s = g.node.status()
    return { role: s.softState.role, term: s.hardState.term, leader: s.softState.lead,
      commit: s.hardState.commit, applied: g.appliedIndex, lastIndex: s.lastIndex }
  }

  /**
   * The leader's first entry of its term. Once it is applied, so is every entry the leader
   * inherited from earlier terms (entries apply in log order).
   */
  termStartIndex(group: number): number {
    return this.#group(group).node.raft.termStartIndex
  }

  appliedIndex(group: number): number {
    return this.#group(group).appliedIndex
  }

  /**
   * An upper bound, in ms, on how far this replica's applied state may lag the leader's, or
   * null when it cannot bound it. A leader that has applied its commit index lags by 0 while
   * its lease holds (no other leader can exist then); past it, a leader cut off from its
   * quorum may already be deposed without knowing it (check-quorum steps it down up to two
   * election timeouts later), so it lags by at most the time since a quorum last answered it.
   * A follower that knows a leader and has applied everything it knows committed lags by at
   * most the time since it last heard from that leader (every append and heartbeat resets
   * electionElapsed and carries the leader's commit index) plus one tick of rounding. A replica
   * with unapplied committed entries, or no leader, cannot bound its lag.
   */
  stalenessBoundMs(group: number): number | null {
    const g = this.#group(group)
    const raft = g.node.raft
    if (raft.lead === NONE) return null
    if (g.appliedIndex < raft.log.committed) return null
    if (raft.role === 'leader') {
      if (raft.leaseValid()) return 0
      const age = raft.quorumContactAgeTicks()
      return age === null ? null : (age + 1) * this.#o.tickMs
    }
    return (raft.electionElapsed + 1) * this.#o.tickMs
  }

  // ------------------------------------------------------------ snapshots and compaction

  /** True while the group takes no Ready: a snapshot is being ingested or is awaited. */
  isFrozen(group: number): boolean {
    return this.#group(group).frozen
  }

  /**
   * Stops taking the group's Ready (an ingest is about to write its state machine range) and
   * waits for the turn in flight, so no apply of the group runs once it resolves.
   */
  async freeze(group: number): Promise<void> {
    this.#group(group).frozen = true
    while (this.#turn !== null) await this.#turn
  }

  /** Undoes freeze when no ingest followed. */
  thaw(group: number): void {
    this.#group(group).frozen = false
    this.#schedule()
  }

  /** The term of entry `index` in this replica's log, or undefined if it is not there. */
  termAt(group: number, index: number): number | undefined {
    this.#group(group)
    const term = this.#o.engine.term(group, index)
    return typeof term === 'number' ? term : undefined
  }

  /** The voters a snapshot of the group carries (membership is static). */
  confState(group: number): { voters: NodeId[]; learners: NodeId[] } {
    return this.#group(group).confState
  }

  /**
   * Hands the core a snapshot whose data the state machine holds durably (index, term and the
   * applied key written and flushed), at the start of the next turn; unfreezes the group.
   */
  installSnapshot(group: number, snapshot: InstalledSnapshot): void {
    const g = this.#group(group)
    assert(g.frozen, 'a snapshot is installed into a frozen group only')
    this.#installs.push({ group, snapshot })
    this.#schedule()
  }

  /**
   * Compacts the group's log through `throughIndex` (clamped to the applied index); the caller
   * guarantees the state machine holds entries up to there durably. Returns entries dropped.
   */
  async compactLog(group: number, throughIndex: number): Promise<number> {
    const g = this.#group(group)
    const engine = this.#o.engine
    const first = engine.firstIndex(group)
    const through = Math.min(throughIndex, g.appliedIndex, engine.lastIndex(group))
    if (through < first || g.frozen) return 0
    await engine.compact(group, through)
    this.stats.logCompactions++
    this.stats.entriesCompacted += through - first + 1
    return through - first + 1
  }

  #install(g: Group<R>, s: InstalledSnapshot): void {
    const raft = g.node.raft
    const log = raft.log
    const snapshot: Snapshot = { metadata: { index: s.index, term: s.term,
      confState: g.confState }, data: new Uint8Array(0) }
    if (s.leaderTerm === raft.term && s.from !== this.#o.nodeId) {
      // The sender's own message: the core installs it (or fast-forwards its commit) and
      // answers the leader, which moves the follower's progress out of 'snapshot'.
      g.node.step(message({ type: 'snap', from: s.from, to: this.#o.nodeId,
        term: s.leaderTerm, snapshot }))
    }
    if (log.committed < s.index) {
      // Another term by now: install it locally (its index is committed: a leader applied it).
      if (log.matchTerm(s.index, s.term)) log.commitTo(s.index)
      else log.restore(snapshot)
    }
    // The state machine already holds the snapshot's state: the core must not re-apply it.
    if (log.committed >= s.index && log.applied < s.index) log.appliedTo(s.index)
    g.appliedIndex = Math.max(g.appliedIndex, s.index)
    g.frozen = false
    g.applied.release(g.appliedIndex)
  }

  #group(group: number): Group<R> {
    const g = this.#groups.get(group)
    if (g === undefined) throw new ShoalError('not-found', `this node hosts no group ${group}`)
    return g
  }

  #check(): void {
    if (this.#failure !== undefined) throw new ShoalError('unavailable', 'the node failed')
    if (this.#closed) throw new ShoalError('closed', 'the node is shutting down')
  }

  /** Waits (until the deadline) for the group to know a leader; returns it. */
  async #awaitLeader(g: Group<R>, deadlineMs: number): Promise<NodeId> {
    while (g.node.raft.lead === NONE) {
      this.#check()
      const left = deadlineMs - this.#o.clock.monotonicMs()
      if (left <= 0) throw unavailable(g.id, 'no leader')
      await new Promise<void>((resolve) => {
        const timer = this.#o.timers.after(Math.min(left, this.#o.tickMs), resolve)
        g.leaderWaiters.push(() => {
          timer.cancel()
          resolve()
        })
      })
    }
    return g.node.raft.lead
  }

  /**
   * Proposes one command. Resolves with its apply result (or, with `fast`, once appended), or
   * not-leader with a hint; rejects with shard-unavailable at the deadline (outcome unknown)
   * and with unavailable when another leader's entry replaced it (not applied).
   */
  async propose(group: number, data: Uint8Array, deadlineMs: number,
    fast = false): Promise<ProposeOutcome<R>> {
    const g = this.#group(group)
    const leader = await this.#awaitLeader(g, deadlineMs)
    this.#check()
    if (leader !== this.#o.nodeId) return { kind: 'not-leader', leader }
    const left = deadlineMs - this.#o.clock.monotonicMs()
    let queued: QueuedProposal<R> | null = null
    return withDeadline<ProposeOutcome<R>>(this.#o.timers, left,
      () => {
        if (queued !== null && queued.index === 0) {
          const at = g.queued.indexOf(queued)
          if (at >= 0) g.queued.splice(at, 1)
          return unavailable(group, 'not proposed in time (not applied)')
        }
        if (queued !== null) {
          g.proposals.delete(queued.index)
          g.fast.delete(queued.index)
        }
        // Not shard-unavailable: callers retry that as "not applied"; this one may be applied.
        return new ShoalError('deadline-exceeded',
          `shard ${group}: entry ${queued?.index ?? 0} not applied in time; outcome unknown`)
      },
      (settle) => {
        queued = { data, fast, settle, index: 0 }
        g.queued.push(queued)
        this.#schedule()
      })
  }

  /**
   * Proposes a group's queued commands as one batch (one append to each follower per turn,
   * not one per command) and registers their waiters by index.
   */
  #proposeQueued(g: Group<R>): void {
    // A leadership transfer is under way: hold them for whoever leads after it (the core would
    // drop them, and the callers would hear not-leader naming this node).
    if (g.node.raft.leadTransferee !== NONE) return
    while (g.queued.length > 0) {
      const batch = g.queued.splice(0, limits.raftProposalsPerMsgMax)
      const result = g.node.proposeBatch(batch.map((q) => q.data))
      if (result.kind !== 'appended') {
        for (const q of batch) q.settle.resolve({ kind: 'not-leader', leader: g.node.raft.lead })
        continue
      }
      const first = result.index - batch.length + 1
      batch.forEach((q, i) => {
        q.index = first + i
        g.proposals.add(q.index, { term: result.term, ...q.settle })
        if (q.fast) g.fast.add(q.index)
      })
    }
  }

  /** A linearizable read point: resolves once the local state machine covers it. */
  async readIndex(group: number, deadlineMs: number): Promise<ReadOutcome> {
    const g = this.#group(group)
    const leader = await this.#awaitLeader(g, deadlineMs)
    this.#check()
    if (leader !== this.#o.nodeId) return { kind: 'not-leader', leader }
    const key = String(++this.#readSeq)
    const context = new TextEncoder().encode(key)
    const left = deadlineMs - this.#o.clock.monotonicMs()
    const applied = await withDeadline<number | null>(this.#o.timers, left,
      () => {
        g.reads.delete(key)
        return unavailable(group, 'no quorum confirmed leadership in time')
      },
      (settle) => {
        const result = g.node.readIndex(context)
        if (result.kind === 'dropped') {
          settle.resolve(null)
          return
        }
        g.reads.set(key, {
          resolve: (index) => g.applied.add(index, settle),
          reject: settle.reject,
        })
        this.#schedule()
      })
    if (applied === null) return { kind: 'not-leader', leader: g.node.raft.lead }
    return { kind: 'ready', appliedIndex: applied }
  }

  /** Resolves once the group's applied index reaches `index` (or rejects at the deadline). */
  waitApplied(group: number, index: number, deadlineMs: number): Promise<number> {
    const g = this.#group(group)
    if (g.appliedIndex >= index) return Promise.resolve(g.appliedIndex)
    return withDeadline<number>(this.#o.timers, deadlineMs - this.#o.clock.monotonicMs(),
      () => unavailable(group, `applied index did not reach ${index} in time`),
      (settle) => g.applied.add(index, settle))
  }

  // ------------------------------------------------------------------ turns

  #schedule(): void {
    if (this.#closed || this.#failure !== undefined) return
    if (this.#turn !== null) {
      this.#again = true
      return
    }
    this.#turn = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#runTurns())
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#turn = null
      })
  }

  async #runTurns(): Promise<void> {
    do {
      this.#again = false
      await this.#runTurn()
    } while (this.#again && !this.#closed && this.#failure === undefined)
  }

  async #runTurn(): Promise<void> {
    for (const { group, snapshot } of this.#installs.splice(0)) {
      this.#install(this.#group(group), snapshot)
    }
    const readies: Array<[Group<R>, Ready]> = []
    for (const g of this.#groups.values()) {
      if (g.queued.length > 0) this.#proposeQueued(g)
      if (!g.frozen && g.node.hasReady()) readies.push([g, g.node.ready()])
    }
    if (readies.length === 0) return
    this.stats.turns++
    // A leader's appends and heartbeats go out while its own fsync runs (Raft thesis 10.2.1):
    // it counts itself in the quorum at once, but a commit it learns meanwhile is only sent,
    // and its entries only applied, in a later Ready, after this turn's fsync.
    this.#send(readies, 'leader-early')
    // Committed entries stored durably by earlier turns are applied while this turn's fsync
    // runs (as etcd does): a committed entry is never overwritten, and replies for it need not
    // wait for the fsync of entries proposed after it. The rest wait for the fsync.
    await Promise.all([this.#persist(readies), this.#applyAll(readies, 'durable')])
    this.#send(readies, 'rest')
    await this.#applyAll(readies, 'rest')
    for (const [g, rd] of readies) {
      for (const rs of rd.readStates) {
        const key = new TextDecoder().decode(rs.context)
        g.reads.take(key)?.resolve(rs.index)
      }
      g.node.advance(rd)
      g.applied.release(g.appliedIndex)
      if (rd.softState !== null) this.#onSoftState(g)
    }
  }

  async #persist(readies: ReadonlyArray<[Group<R>, Ready]>): Promise<void> {
    const writes: LogWrite[] = []
    let mustSync = false
    for (const [g, rd] of readies) {
      if (rd.hardState !== null) g.hardState = rd.hardState
      const snap = rd.snapshot?.metadata
      mustSync ||= rd.mustSync || snap !== undefined
      if (rd.entries.length === 0 && !rd.mustSync && snap === undefined) continue
      const entries = rd.entries.map((e) => {
        assert(e.type === 'normal', 'membership is static: no conf-change entries')
        return { index: e.index, term: e.term, data: e.data }
      })
      writes.push({
        shardId: g.id,
        ...(snap === undefined ? {} : { snapshot: { index: snap.index, term: snap.term } }),
        ...(entries.length === 0 ? {} : { entries }),
        ...(g.hardState === null ? {} : { hardState: g.hardState }),
      })
      for (const e of rd.entries) {
        if (g.fast.delete(e.index)) {
          const waiter = g.proposals.take(e.index)
          if (waiter !== undefined && waiter.term === e.term) {
            waiter.resolve({ kind: 'appended', index: e.index })
          }
        }
      }
    }
    if (!mustSync || writes.length === 0) return
    this.stats.appends++
    await this.#o.engine.append(writes)
  }

  #send(readies: ReadonlyArray<[Group<R>, Ready]>, part: 'leader-early' | 'rest'): void {
    const byPeer = new Map<NodeId, GroupMessage[]>()
    for (const [g, rd] of readies) {
      const leader = g.node.raft.role === 'leader'
      for (const m of rd.messages) {
        const early = leader && (m.type === 'app' || m.type === 'heartbeat')
        if (early !== (part === 'leader-early')) continue
        if (m.type === 'snap') {
          // Snapshots stream over their own RPC (the data is the state machine's range).
          this.#o.snapshots?.send(g.id, m.to)
          continue
        }
        let list = byPeer.get(m.to)
        if (list === undefined) byPeer.set(m.to, (list = []))
        list.push({ group: g.id, message: m })
      }
    }
    for (const [peer, msgs] of byPeer) {
      this.stats.messagesSent += msgs.length
      this.#o.transport.send(peer, msgs)
    }
  }

  async #applyAll(readies: ReadonlyArray<[Group<R>, Ready]>,
    part: 'durable' | 'rest'): Promise<void> {
    for (const [g, rd] of readies) {
      // Entries of this Ready (and everything after a snapshot) are durable only after the
      // turn's fsync; committed entries below them were stored by earlier turns.
      const firstNew = rd.snapshot !== null ? 0 : (rd.entries[0]?.index ?? Infinity)
      const committed = rd.committedEntries
      let split = 0
      while (split < committed.length && committed[split]!.index < firstNew) split++
      if (part === 'durable') await this.#apply(g, committed.slice(0, split))
      else await this.#apply(g, committed.slice(split), rd.snapshot?.metadata.index ?? 0)
    }
  }

  async #apply(g: Group<R>, entries: readonly Entry[], snap = 0): Promise<void> {
    // A snapshot in a Ready was installed by #install, its data already in the state machine.
    if (snap > g.appliedIndex) g.appliedIndex = snap
    if (entries.length === 0) return
    const results = await this.#o.stateMachine.apply(g.id, entries,
      (entry) => g.proposals.get(entry.index)?.term === entry.term)
    assert(results.length === entries.length, 'one apply result per entry')
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!
      g.proposals.applied(entry.index, entry.term,
        { kind: 'applied', index: entry.index, result: results[i]! })
    }
    g.appliedIndex = entries[entries.length - 1]!.index
    this.stats.entriesApplied += entries.length
    g.applied.release(g.appliedIndex)
  }


  /** Asks the core to hand `g` to a preferred node when one can take it (once per tick). */
  #prefer(g: Group<R>): void {
    const raft = g.node.raft
    if (this.#preference === null || g.frozen || raft.role !== 'leader' ||
      raft.leadTransferee !== NONE) return
    const view: LeaderView = {
      self: this.#o.nodeId, voters: raft.conf.voters, lastIndex: raft.log.lastIndex(),
      peer: (id) => {
        const pr = raft.progress.get(id)
        return pr === undefined ? null
          : { active: pr.recentActive, replicating: pr.state === 'replicate', match: pr.match }
      },
    }
    const to = this.#preference.target(g.id, view)
    if (to === null) return
    const result = g.node.transferLeader(to)
    this.#o.logger.info('leader transfer to the preferred node', { group: g.id, to,
      result: result.kind })
  }

  #onSoftState(g: Group<R>): void {
    const waiters = g.leaderWaiters
    g.leaderWaiters = []
    for (const wake of waiters) wake()
    if (g.node.raft.role !== 'leader') {
      // Reads waiting for a heartbeat quorum will not be answered by a deposed leader.
      for (const read of g.reads.takeAll()) read.reject(notLeaderAnymore(g.id))
      this.#preference?.forget(g.id)
    }
  }

  #failWaiters(g: Group<R>, error: ShoalError): void {
    g.proposals.rejectAll(error)
    g.applied.rejectAll(error)
    for (const read of g.reads.takeAll()) read.reject(error)
  }

  #fail(error: unknown): void {
    if (this.#failure !== undefined) return
    this.#failure = error
    this.#o.logger.error('multiraft host failed; the node must restart', { error: String(error) })
    this.#tick?.cancel()
    const failed = new ShoalError('unavailable', `the node failed: ${String(error)}`)
    for (const g of this.#groups.values()) this.#failWaiters(g, failed)
    this.#o.onFatal?.(error)
  }
}

function unavailable(group: number, why: string): ShoalError {
  return new ShoalError('shard-unavailable', `shard ${group}: ${why}`)
}

function notLeaderAnymore(group: number): ShoalError {
  return new ShoalError('not-leader', `shard ${group}: leadership lost during the read`)
}
