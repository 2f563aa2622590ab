/**
 * Raft: the consensus protocol for one replica as a pure, deterministic state machine
 * (etcd-io/raft's design). Inputs are method calls (tick, step, propose, readIndex, campaign,
 * transferLeader, proposeConfChange); outputs accumulate in `msgs`, the log's unstable part,
 * `readStates` and the hard state, and are handed to the host through RawNode.ready().
 * Time is the tick count; randomness is the injected Prng. Nothing here does I/O.
 *
 * Features: pre-vote, check-quorum, batched and pipelined replication with probe/replicate/
 * snapshot progress, fast backtracking, commit by counting only current-term entries,
 * ReadIndex and lease reads, snapshots, one-at-a-time membership changes with learners,
 * leadership transfer, and follower proposal forwarding.
 */
import { assert } from '../../shared/assert.ts'
import type { ConfChange } from './conf-change.ts'
import { applyToConfState, decodeConfChange, encodeConfChange } from './conf-change.ts'
import type { RaftConfig, ResolvedConfig } from './config.ts'
import { resolveConfig } from './config.ts'
import type {
  ConfState, Entry, HardState, Index, Message, NodeId, Snapshot, Term,
} from './messages.ts'
import { NONE, TRANSFER_CONTEXT, entryBytes, isTransferContext, message } from './messages.ts'
import { Progress } from './progress.ts'
import { committedIndex, voteResult } from './quorum.ts'
import { RaftLog } from './raft-log.ts'
import type { ReadState } from './read-index.ts'
import { ReadTracker } from './read-index.ts'
import { ShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'

export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader'

/** Why a proposal or read was not accepted; expected outcomes, not errors. */
export type DropReason =
  | 'no-leader'
  | 'not-leader' // forwarding disabled, or an operation only a leader performs
  | 'transferring' // a leadership transfer is in progress
  | 'conf-change-pending' // the previous membership change is not applied yet
  | 'invalid-conf-change'
  | 'too-many-reads'
  | 'invalid-target' // a transfer to ourselves or to a non-voter
  | 'uncommitted-limit' // the uncommitted tail is full (no quorum, or followers far behind)

export type ProposeResult =
  | { readonly kind: 'appended'; readonly index: Index; readonly term: Term }
  | { readonly kind: 'forwarded'; readonly to: NodeId }
  | { readonly kind: 'dropped'; readonly reason: DropReason }

export type ReadResult =
  | { readonly kind: 'pending' }
  | { readonly kind: 'dropped'; readonly reason: DropReason }

/** A proposed entry: the leader assigns term and index. */
export type Proposal = Pick<Entry, 'type' | 'data'>

type CampaignKind = 'pre-election' | 'election' | 'transfer'

/** Heartbeat answers with no progress before a stalled follower is probed again. */
const STALL_HEARTBEATS_MAX = 3

const dropped = (reason: DropReason) => ({ kind: 'dropped', reason }) as const

export class Raft {
  readonly id: NodeId
  readonly cfg: ResolvedConfig
  readonly log: RaftLog
  term: Term = 0
  vote: NodeId = NONE
  lead: NodeId = NONE
  role: RaftRole = 'follower'
  conf: ConfState = { voters: [], learners: [] }
  readonly progress = new Map<NodeId, Progress>()
  readonly votes = new Map<NodeId, boolean>()
  msgs: Message[] = []
  readStates: ReadState[] = []
  /**
   * The commit index advanced and followers have not been told. Told when the host takes the
   * next Ready (flushCommit), not at once, so an append carrying new entries that leaves in the
   * same Ready tells them instead of an extra empty append (and its response) per follower.
   */
  commitToSend = false
  /** Ticks since this instance started; leases and the startup quiet period use it. */
  now = 0
  electionElapsed = 0
  heartbeatElapsed = 0
  randomizedElectionTimeout = 0
  leadTransferee: NodeId = NONE
  /** No new membership change until the log is applied past this (see conf-change.ts). */
  pendingConfIndex: Index = 0
  /** As leader: the index of the empty entry it appended on election (its term's first). */
  termStartIndex: Index = 0
  /** Set once this leader sent TimeoutNow: its lease is void for the rest of the term. */
  leaseRevoked = false
  readonly reads = new ReadTracker(limits.raftPendingReadsMax)
  /** Reads received before this leader committed an entry of its term. */
  readsBeforeCommit: Array<{ context: Uint8Array; from: NodeId }> = []

  constructor(config: RaftConfig) {
    this.cfg = resolveConfig(config)
    this.id = this.cfg.id
    this.log = new RaftLog(this.cfg.storage)
    const { hardState, confState } = this.cfg.storage.initialState()
    this.applyConfState(confState)
    this.loadHardState(hardState)
    if (this.cfg.applied > 0) this.log.appliedTo(Math.min(this.cfg.applied, this.log.committed))
    this.becomeFollower(this.term, NONE)
  }

  private loadHardState(hs: HardState): void {
    // A snapshot newer than the stored commit implies its index is committed.
    const commit = Math.max(hs.commit, this.log.committed)
    assert(commit <= this.log.lastIndex(), `raft: stored commit ${commit} beyond the log`)
    this.log.committed = commit
    this.term = hs.term
    this.vote = hs.vote
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed }
  }

  isVoter(id: NodeId): boolean {
    return this.conf.voters.includes(id)
  }

  /** Only a voter that is not waiting on a snapshot may campaign. */
  promotable(): boolean {
    return this.isVoter(this.id) && this.log.unstable.snapshot === null
  }

  // ----- sending -----

  private send(fields: Pick<Message, 'type' | 'to'> & Partial<Message>): void {
    const needsTerm = fields.type !== 'prop' && fields.type !== 'read-index'
    const term = fields.term ?? (needsTerm ? this.term : 0)
    this.msgs.push(message({ from: this.id, term, ...fields }))
  }

  /** Sends an append (or a snapshot) to `to` if the window allows. Returns true if sent. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to)
    if (pr === undefined || pr.isPaused()) return false
    const prevIndex = pr.next - 1
    const prevTerm = this.log.term(prevIndex)
    if (prevTerm === undefined) return this.sendSnapshot(to, pr)
    const entries = this.log.entriesFrom(pr.next, this.cfg.maxMsgBytes)
    if (entries.length === 0 && !sendIfEmpty) return false
    let bytes = 0
    for (const entry of entries) bytes += entryBytes(entry)
    this.send({ type: 'app', to, index: prevIndex, logTerm: prevTerm, entries,
      commit: this.log.committed })
    pr.sentEntries(prevIndex + entries.length, entries.length, bytes)
    return true
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false
    const snapshot = this.log.snapshot()
    assert(snapshot.metadata.index > 0, 'raft: need a snapshot but there is none')
    pr.becomeSnapshot(snapshot.metadata.index)
    this.send({ type: 'snap', to, snapshot })
    return true
  }

  /** Sends appends while the window allows; an empty one only if `sendIfEmpty`. */
  private sendAppendsTo(to: NodeId, sendIfEmpty = true): void {
    let first = sendIfEmpty
    while (this.maybeSendAppend(to, first)) first = false
  }

  private bcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppendsTo(id)
  }

  /**
   * Tells every follower the commit index (see commitToSend): sends what its window allows,
   * and an empty append only to one that no pending append already tells.
   */
  flushCommit(): void {
    if (!this.commitToSend) return
    this.commitToSend = false
    if (this.role !== 'leader') return
    const committed = this.log.committed
    for (const id of this.progress.keys()) {
      if (id === this.id) continue
      const told = this.msgs.some((m) => m.to === id && m.type === 'app' && m.commit >= committed)
      this.sendAppendsTo(id, !told)
    }
  }

  private bcastHeartbeat(): number {
    const round = this.reads.startRound(this.now)
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue
      const commit = Math.min(pr.match, this.log.committed)
      this.send({ type: 'heartbeat', to: id, commit, round })
    }
    return round
  }

  // ----- role changes -----

  private reset(term: Term): void {
    if (this.term !== term) {
      this.term = term
      this.vote = NONE
    }
    this.lead = NONE
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.randomizedElectionTimeout =
      this.cfg.electionTicks + this.cfg.prng.intInclusive(0, this.cfg.electionTicks - 1)
    this.leadTransferee = NONE
    this.votes.clear()
    this.pendingConfIndex = 0
    this.leaseRevoked = false
    this.commitToSend = false
    this.reads.reset()
    this.readsBeforeCommit = []
    const last = this.log.lastIndex()
    for (const [id, pr] of this.progress) {
      const fresh = this.newProgress(last + 1, pr.isLearner)
      if (id === this.id) fresh.match = last
      this.progress.set(id, fresh)
    }
  }

  private newProgress(next: Index, isLearner: boolean): Progress {
    return new Progress(next, isLearner, this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes)
  }

  becomeFollower(term: Term, lead: NodeId): void {
    this.reset(term)
    this.lead = lead
    this.role = 'follower'
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'raft: leader cannot become pre-candidate')
    // Pre-vote changes neither the term nor the vote: a partitioned node cannot disrupt.
    this.votes.clear()
    this.lead = NONE
    this.role = 'pre-candidate'
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'raft: leader cannot become candidate')
    this.reset(this.term + 1)
    this.vote = this.id
    this.role = 'candidate'
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', 'raft: only a candidate becomes leader')
    this.reset(this.term)
    this.lead = this.id
    this.role = 'leader'
    this.progress.get(this.id)?.becomeReplicate()
    // Covers any inherited uncommitted change and our own empty entry (conf-change.ts).
    this.pendingConfIndex = this.log.lastIndex()
    this.appendEntries([{ type: 'normal', data: new Uint8Array(0) }])
    this.termStartIndex = this.log.lastIndex()
  }

  // ----- elections -----

  /** Starts an election unless leader, not a voter, or a committed conf change is unapplied. */
  hup(kind: CampaignKind): void {
    if (this.role === 'leader' || !this.promotable()) return
    if (this.hasUnappliedConfChange()) return
    if (kind === 'election' && this.cfg.preVote) this.runCampaign('pre-election')
    else this.runCampaign(kind)
  }

  private hasUnappliedConfChange(): boolean {
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex())
    if (lo > this.log.committed) return false
    const entries = this.log.slice(lo, this.log.committed + 1, Number.MAX_SAFE_INTEGER)
    return entries.some((entry) => entry.type === 'conf-change')
  }

  private runCampaign(kind: CampaignKind): void {
    const pre = kind === 'pre-election'
    if (pre) this.becomePreCandidate()
    else this.becomeCandidate()
    const term = pre ? this.term + 1 : this.term
    if (this.poll(this.id, true) === 'won') {
      if (pre) this.runCampaign('election')
      else this.becomeLeader()
      return
    }
    const context = kind === 'transfer' ? TRANSFER_CONTEXT : new Uint8Array(0)
    for (const id of this.conf.voters) {
      if (id === this.id) continue
      this.send({ type: pre ? 'pre-vote' : 'vote', to: id, term, index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(), context })
    }
  }

  private poll(id: NodeId, granted: boolean) {
    if (!this.votes.has(id)) this.votes.set(id, granted)
    return voteResult(this.conf.voters, this.votes)
  }

  // ----- ticks -----

  tick(): void {
    this.now++
    if (this.role === 'leader') this.tickHeartbeat()
    else this.tickElection()
  }

  private tickElection(): void {
    this.electionElapsed++
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0
      this.hup('election')
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.becomeFollower(this.term, NONE)
        return
      }
      this.leadTransferee = NONE // a transfer that did not finish in an election timeout
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0
      this.bcastHeartbeat()
    }
  }

  /** Check-quorum: did a majority of voters talk to us since the last check? Resets marks. */
  private quorumActive(): boolean {
    let active = 0
    for (const id of this.conf.voters) {
      const pr = this.progress.get(id)
      if (id === this.id || pr?.recentActive === true) active++
      if (pr !== undefined && id !== this.id) pr.recentActive = false
    }
    for (const [id, pr] of this.progress) if (!this.isVoter(id)) pr.recentActive = false
    return active >= Math.floor(this.conf.voters.length / 2) + 1
  }

  // ----- the message entry point -----

  step(m: Message): void {
    if (m.term > this.term) {
      if (!this.stepHigherTerm(m)) return
    } else if (m.term < this.term && m.term !== 0) {
      this.stepLowerTerm(m)
      return
    }
    switch (m.type) {
      case 'vote':
      case 'pre-vote':
        this.stepVoteRequest(m)
        return
      default:
        if (this.role === 'leader') this.stepLeader(m)
        else if (this.role === 'follower') this.stepFollower(m)
        else this.stepCandidate(m)
    }
  }

  /** Returns false when the message must be ignored. */
  private stepHigherTerm(m: Message): boolean {
    if (m.type === 'vote' || m.type === 'pre-vote') {
      const force = isTransferContext(m.context)
      if (!force && this.inLease()) return false // keep the leader's lease; see read-index.ts
    }
    if (m.type === 'pre-vote') return true
    if (m.type === 'pre-vote-resp' && !m.reject) return true // our term bumps if we win
    const fromLeader = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap'
    this.becomeFollower(m.term, fromLeader ? m.from : NONE)
    return true
  }

  /** A node that heard from a leader within an election timeout refuses to elect another. */
  private inLease(): boolean {
    if (!this.cfg.checkQuorum) return false
    if (this.cfg.readMode === 'lease' && this.now < this.cfg.electionTicks) return true
    return this.lead !== NONE && this.electionElapsed < this.cfg.electionTicks
  }

  private stepLowerTerm(m: Message): void {
    const fromLeader = m.type === 'app' || m.type === 'heartbeat'
    if ((this.cfg.checkQuorum || this.cfg.preVote) && fromLeader) {
      // Tell a deposed leader about the new term so it steps down (etcd does the same).
      this.send({ type: 'app-resp', to: m.from })
    } else if (m.type === 'pre-vote') {
      this.send({ type: 'pre-vote-resp', to: m.from, reject: true })
    }
  }

  private stepVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === 'pre-vote' && m.term > this.term)
    const upToDate =
      this.cfg.plantedBug === 'no-log-up-to-date-check' || this.log.isUpToDate(m.index, m.logTerm)
    const type = m.type === 'vote' ? 'vote-resp' : 'pre-vote-resp'
    if (canVote && upToDate) {
      this.send({ type, to: m.from, term: m.term })
      if (m.type === 'vote') {
        this.electionElapsed = 0
        this.vote = m.from
      }
    } else {
      this.send({ type, to: m.from, reject: true })
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'app':
      case 'heartbeat':
      case 'snap':
        this.becomeFollower(m.term, m.from)
        this.stepFollower(m)
        return
      case 'vote-resp':
      case 'pre-vote-resp': {
        const mine = this.role === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp'
        if (m.type !== mine) return
        const result = this.poll(m.from, !m.reject)
        if (result === 'won') {
          if (this.role === 'pre-candidate') this.runCampaign('election')
          else {
            this.becomeLeader()
            this.bcastAppend()
          }
        } else if (result === 'lost') {
          this.becomeFollower(this.term, NONE)
        }
        return
      }
      default:
        return // proposals and reads are refused at the API; stray messages are ignored
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleAppend(m)
        return
      case 'heartbeat':
        this.electionElapsed = 0
        this.lead = m.from
        this.log.commitTo(m.commit)
        this.send({ type: 'heartbeat-resp', to: m.from, round: m.round })
        return
      case 'snap':
        this.electionElapsed = 0
        this.lead = m.from
        this.handleSnapshot(m)
        return
      case 'timeout-now':
        this.hup('transfer')
        return
      case 'read-index-resp':
        this.readStates.push({ index: m.index, context: m.context })
        return
      default:
        return
    }
  }

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send({ type: 'app-resp', to: m.from, index: this.log.committed })
      return
    }
    const last = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries)
    if (last !== undefined) {
      this.send({ type: 'app-resp', to: m.from, index: last })
      return
    }
    const probe = Math.min(m.index, this.log.lastIndex())
    const [hintIndex, hintTerm] = this.log.findConflictByTerm(probe, m.logTerm)
    this.send({ type: 'app-resp', to: m.from, index: m.index, reject: true,
      rejectHint: hintIndex, logTerm: hintTerm })
  }

  private handleSnapshot(m: Message): void {
    const snapshot = m.snapshot
    assert(snapshot !== null, 'raft: snap message without a snapshot')
    const installed = this.restore(snapshot)
    const index = installed ? this.log.lastIndex() : this.log.committed
    this.send({ type: 'app-resp', to: m.from, index })
  }

  /** Installs a leader's snapshot unless it is stale. Returns whether it was installed. */
  private restore(snapshot: Snapshot): boolean {
    const { index, term } = snapshot.metadata
    if (index <= this.log.committed) return false // stale: we already have all of it
    if (this.log.matchTerm(index, term)) {
      this.log.commitTo(index) // we have the entries; just fast-forward the commit
      return false
    }
    this.log.restore(snapshot)
    this.applyConfState(snapshot.metadata.confState)
    return true
  }

  // ----- leader -----

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'prop':
        // Forwarded proposals obey the same limits as local ones; refusals are silent.
        if (m.entries.length <= limits.raftProposalsPerMsgMax) this.propose(m.entries)
        return
      case 'read-index':
        this.handleRead(m.context, m.from)
        return
      case 'app-resp':
        this.handleAppendResponse(m)
        return
      case 'heartbeat-resp':
        this.handleHeartbeatResponse(m)
        return
      default:
        return
    }
  }

  private handleAppendResponse(m: Message): void {
    const pr = this.progress.get(m.from)
    if (pr === undefined) return
    pr.recentActive = true
    if (m.reject) {
      let probe = m.rejectHint
      if (m.logTerm > 0) probe = this.log.findConflictByTerm(m.rejectHint, m.logTerm)[0]
      if (pr.maybeDecrTo(m.index, probe)) {
        if (pr.state === 'replicate') pr.becomeProbe()
        this.sendAppendsTo(m.from)
      }
      return
    }
    const wasPaused = pr.isPaused()
    if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === 'probe')) return
    if (pr.state === 'probe') pr.becomeReplicate()
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe()
      pr.becomeReplicate()
    } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index)
    if (this.maybeCommit()) this.commitToSend = true
    if (wasPaused || pr.state === 'replicate') this.sendAppendsTo(m.from, false)
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.sendTimeoutNow(m.from)
    }
  }

  private handleHeartbeatResponse(m: Message): void {
    const pr = this.progress.get(m.from)
    if (pr === undefined) return
    pr.recentActive = true
    pr.probeSent = false
    // A snapshot or a full window of appends with no answer for many heartbeats: assume the
    // messages were lost and probe again (etcd relies on the transport reporting this).
    const stalled = pr.state === 'snapshot' || (pr.state === 'replicate' && pr.inflights.full())
    if (stalled && ++pr.stall > STALL_HEARTBEATS_MAX) pr.becomeProbe()
    if (pr.match < this.log.lastIndex()) this.sendAppendsTo(m.from)
    if (this.isVoter(m.from)) {
      this.reads.ack(m.from, m.round)
      this.releaseReads()
    }
  }

  /** Counts matches of voters; commits only an index from the current term (Figure 8). */
  private maybeCommit(): boolean {
    const before = this.log.committed
    const index = committedIndex(this.conf.voters, (id) => this.progress.get(id)?.match ?? 0)
    if (this.cfg.plantedBug === 'commit-earlier-term-by-count') {
      if (index > before) this.log.commitTo(index)
    } else {
      this.log.maybeCommit(index, this.term)
    }
    if (this.log.committed === before) return false
    if (this.readsBeforeCommit.length > 0 && this.committedInTerm()) {
      const waiting = this.readsBeforeCommit
      this.readsBeforeCommit = []
      for (const read of waiting) this.handleRead(read.context, read.from)
    }
    return true
  }

  private committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term
  }

  private appendEntries(entries: readonly Proposal[]): Index {
    let index = this.log.lastIndex()
    const term = this.term
    const full: Entry[] = new Array<Entry>(entries.length)
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!
      full[i] = { term, index: ++index, type: entry.type, data: entry.data }
    }
    this.log.append(full)
    this.progress.get(this.id)?.maybeUpdate(index)
    this.maybeCommit() // a single-voter group commits at once
    return index
  }

  /** Leader: appends proposals, refusing a conf change while another is pending. */
  private appendProposals(entries: readonly Proposal[]): ProposeResult {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!
      if (entry.type !== 'conf-change') continue
      const refusal = this.checkConfChange(entry.data)
      if (refusal !== undefined) return dropped(refusal)
      this.pendingConfIndex = this.log.lastIndex() + i + 1
    }
    const index = this.appendEntries(entries)
    this.bcastAppend()
    return { kind: 'appended', index, term: this.term }
  }

  private checkConfChange(data: Uint8Array): DropReason | undefined {
    if (this.pendingConfIndex > this.log.applied) return 'conf-change-pending'
    const change = decodeConfChange(data)
    const next = applyToConfState(this.conf, change)
    if (next.voters.length === 0) return 'invalid-conf-change'
    return undefined
  }

  // ----- API (called through RawNode) -----

  propose(entries: readonly Proposal[]): ProposeResult {
    if (entries.length > limits.raftProposalsPerMsgMax) {
      throw new ShoalError('too-large', `raft: ${entries.length} entries in one proposal`)
    }
    if (this.role === 'leader') {
      if (this.leadTransferee !== NONE) return dropped('transferring')
      const uncommitted = this.log.lastIndex() - this.log.committed + entries.length
      if (uncommitted > limits.raftUncommittedEntriesMax) return dropped('uncommitted-limit')
      return this.appendProposals(entries)
    }
    if (this.lead === NONE) return dropped('no-leader')
    if (this.cfg.disableProposalForwarding) return dropped('not-leader')
    const forwarded = entries.map((e) => ({ term: 0, index: 0, type: e.type, data: e.data }))
    this.send({ type: 'prop', to: this.lead, entries: forwarded })
    return { kind: 'forwarded', to: this.lead }
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    const data = encodeConfChange(change)
    return this.propose([{ type: 'conf-change', data }])
  }

  readIndex(context: Uint8Array): ReadResult {
    if (this.role === 'leader') return this.handleRead(context, this.id)
    if (this.lead === NONE) return dropped('no-leader')
    if (this.cfg.disableProposalForwarding) return dropped('not-leader')
    this.send({ type: 'read-index', to: this.lead, context })
    return { kind: 'pending' }
  }

  private handleRead(context: Uint8Array, from: NodeId): ReadResult {
    if (this.cfg.plantedBug === 'read-without-readindex') {
      this.answerRead(from, this.log.committed, context)
      return { kind: 'pending' }
    }
    if (!this.committedInTerm()) {
      // Our commit index may lag the previous leader's until we commit in our term.
      if (this.readsBeforeCommit.length >= limits.raftPendingReadsMax) {
        return dropped('too-many-reads')
      }
      this.readsBeforeCommit.push({ context, from })
      return { kind: 'pending' }
    }
    const index = this.log.committed
    if (this.conf.voters.length === 1 && this.isVoter(this.id)) {
      this.answerRead(from, index, context)
    } else if (this.leaseValid()) {
      this.answerRead(from, index, context)
    } else {
      const round = this.bcastHeartbeat()
      if (!this.reads.addPending({ context, from, index, round })) return dropped('too-many-reads')
    }
    return { kind: 'pending' }
  }

  leaseValid(): boolean {
    if (this.cfg.readMode !== 'lease' || this.leaseRevoked || this.role !== 'leader') return false
    if (this.cfg.plantedBug === 'lease-never-expires') return true
    return this.now < this.reads.leaseExpiry(this.id, this.conf.voters, this.cfg.leaseTicks)
  }

  /**
   * Leader only: ticks since the send of the latest heartbeat round a quorum answered, i.e.
   * how long ago this leader last knew it was leader; null when no round was answered yet.
   */
  quorumContactAgeTicks(): number | null {
    if (this.role !== 'leader') return null
    if (this.conf.voters.length === 1 && this.isVoter(this.id)) return 0
    const sent = this.reads.quorumRoundSentTick(this.id, this.conf.voters)
    return sent === undefined ? null : this.now - sent
  }

  private releaseReads(): void {
    for (const read of this.reads.takeReady(this.id, this.conf.voters)) {
      this.answerRead(read.from, read.index, read.context)
    }
  }

  private answerRead(from: NodeId, index: Index, context: Uint8Array): void {
    if (from === this.id) this.readStates.push({ index, context })
    else this.send({ type: 'read-index-resp', to: from, index, context })
  }

  /** Host-triggered election (e.g. at bootstrap); skips pre-vote only if asked. */
  campaign(): void {
    this.hup('election')
  }

  transferLeader(to: NodeId): ProposeResult | { readonly kind: 'transferring' } {
    if (this.role !== 'leader') return dropped('not-leader')
    if (to === this.id || !this.isVoter(to) || !this.progress.has(to)) {
      return dropped('invalid-target')
    }
    this.leadTransferee = to
    this.electionElapsed = 0 // the transfer must finish within one election timeout
    const pr = this.progress.get(to)!
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to)
    else this.sendAppendsTo(to)
    return { kind: 'transferring' }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.leaseRevoked = true // the transferee will campaign ignoring followers' leases
    this.send({ type: 'timeout-now', to })
  }

  // ----- membership -----

  /** Applies a committed membership change (called by RawNode.advance, in log order). */
  applyConfChange(change: ConfChange): void {
    this.applyConfState(applyToConfState(this.conf, change))
    if (this.role !== 'leader') return
    if (!this.isVoter(this.id)) {
      this.becomeFollower(this.term, NONE) // we removed ourselves; let the others elect
      return
    }
    if (this.leadTransferee !== NONE && !this.isVoter(this.leadTransferee)) {
      this.leadTransferee = NONE
    }
    this.maybeCommit() // the quorum may have shrunk
    this.bcastAppend()
  }

  private applyConfState(conf: ConfState): void {
    this.conf = conf
    const members = new Set([...conf.voters, ...conf.learners])
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id)
    const learners = new Set(conf.learners)
    for (const id of members) {
      const existing = this.progress.get(id)
      if (existing !== undefined) {
        existing.isLearner = learners.has(id)
        continue
      }
      const pr = this.newProgress(this.log.lastIndex() + 1, learners.has(id))
      pr.recentActive = true // a new member gets a grace period before check-quorum
      if (id === this.id) pr.match = this.log.lastIndex()
      this.progress.set(id, pr)
    }
  }

  /** The host compacted or snapshotted its log; nothing to do beyond checks. */
  appliedTo(index: Index): void {
    this.log.appliedTo(index)
  }
}

/** Decodes the conf change carried by a committed entry (for RawNode.advance). */
export function confChangeOf(entry: Entry): ConfChange | undefined {
  return entry.type === 'conf-change' ? decodeConfChange(entry.data) : undefined
}
