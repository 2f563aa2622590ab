/**
 * RaftSim: a deterministic whole-cluster simulation of the Raft core. One seed fixes
 * everything: the cluster shape, the fault mix, every delay and every choice. Virtual time
 * advances from event to event (ticks every TICK_PERIOD, message deliveries, fsync
 * completions); between events the simulator injects client writes and reads and faults
 * (crash, restart, partition, heal, leadership transfer, membership change). The Checker runs
 * on every state change; after the fault phase everything heals and a new write must commit on
 * every voter within a bounded virtual time (liveness).
 */
import { bootstrapStorage } from '../../../storage/raft/bootstrap.ts'
import type { PlantedBug, ReadMode } from '../../../storage/raft/config.ts'
import type { Entry, Message, NodeId } from '../../../storage/raft/messages.ts'
import { messageTypes } from '../../../storage/raft/messages.ts'
import { MemoryRaftStorage } from '../../../storage/raft/raft-storage.ts'
import type { ReadState } from '../../../storage/raft/read-index.ts'
import { SeededPrng } from '../../../shared/random/prng.ts'
import type { Prng } from '../../../shared/random/prng.ts'
import { Checker, SafetyViolation } from './checker.ts'
import { EventQueue } from './event-queue.ts'
import type { SimHost } from './sim-node.ts'
import { SimNode } from './sim-node.ts'

export const TICK_PERIOD = 10
const ELECTION_TIMEOUT_TIME = 10 * TICK_PERIOD
/** After healing, a leader must exist within this much virtual time (TESTING.md: 10). */
export const LEADER_BOUND_TIME = 10 * ELECTION_TIMEOUT_TIME
/**
 * ... and a new write must be applied on every voter within this much. It is generous because
 * a seed with one-entry appends, a window of one and slow fsyncs catches up a long backlog at
 * one entry per round trip (seen: 5,256 units for 45 entries).
 */
export const LIVENESS_BOUND_TIME = 100 * ELECTION_TIMEOUT_TIME

export interface SimOptions {
  readonly seed: number
  readonly steps: number
  readonly plantedBug?: PlantedBug
  /**
   * 'default' draws the cluster shape from the seed; 'churn' is a harsher fixed mix (three
   * voters, lossy network, one-entry appends, frequent leader crashes and isolations) that
   * makes the interleavings of the paper's Figure 8 common.
   */
  readonly profile?: 'default' | 'churn'
}

export interface SimShape {
  readonly initialVoters: number
  readonly spares: number
  readonly tailLoss: boolean
  readonly membership: boolean
  readonly readMode: ReadMode
  readonly dropRate: number
  readonly dupRate: number
  readonly maxDelay: number
  readonly faultRate: number
  /** Small messages split catch-up into many appends (Figure 8 needs partial acks). */
  readonly maxMsgBytes: number
  readonly maxInflightMsgs: number
}

export interface SimStats {
  ticks: number
  delivered: number
  dropped: number
  writesAcked: number
  readsServed: number
  leadersElected: number
  crashes: number
  partitions: number
  confChanges: number
  transfers: number
  maxTerm: number
  checks: number
  snapshotsInstalled: number
}

type SimEvent =
  | { readonly kind: 'tick'; readonly node: NodeId }
  | { readonly kind: 'deliver'; readonly msg: Message }
  | { readonly kind: 'sync'; readonly node: NodeId }

export function shapeFor(prng: Prng, profile: 'default' | 'churn' = 'default'): SimShape {
  if (profile === 'churn') {
    return {
      initialVoters: 3, spares: 0, tailLoss: false, membership: false, readMode: 'read-index',
      dropRate: 0.1 + prng.nextFloat() * 0.2, dupRate: 0, maxDelay: prng.intInclusive(5, 30),
      faultRate: 0.03 + prng.nextFloat() * 0.03, maxMsgBytes: 1, maxInflightMsgs: 4,
    }
  }
  const initialVoters = prng.chance(0.7) ? 3 : 5
  return {
    initialVoters,
    spares: 3,
    tailLoss: prng.chance(0.5),
    membership: prng.chance(0.4),
    readMode: prng.chance(0.5) ? 'lease' : 'read-index',
    dropRate: prng.chance(0.3) ? 0 : prng.nextFloat() * 0.2,
    dupRate: prng.nextFloat() * 0.05,
    maxDelay: prng.intInclusive(1, 3 * TICK_PERIOD),
    faultRate: 0.005 + prng.nextFloat() * 0.025,
    maxMsgBytes: prng.chance(0.5) ? (prng.chance(0.5) ? 1 : 64) : 4096,
    maxInflightMsgs: prng.intInclusive(1, 8),
  }
}

export class RaftSim implements SimHost {
  readonly checker = new Checker()
  readonly shape: SimShape
  readonly stats: SimStats = {
    ticks: 0, delivered: 0, dropped: 0, writesAcked: 0, readsServed: 0, leadersElected: 0,
    crashes: 0, partitions: 0, confChanges: 0, transfers: 0, maxTerm: 0, checks: 0,
    snapshotsInstalled: 0,
  }
  readonly nodes = new Map<NodeId, SimNode>()
  readonly #prng: Prng
  readonly #queue = new EventQueue<SimEvent>()
  #time = 0
  #trace = 0x811c9dc5
  /** Partition side per node; messages between different sides are dropped. */
  #side = new Map<NodeId, number>()
  #nextWrite = 1
  #nextRead = 1
  readonly #reads = new Map<number, number>() // read id -> max acked index when it began
  #spareIds: NodeId[] = []
  #healed = false
  #livenessWrite = 0
  #livenessAppliedBy = new Set<NodeId>()

  constructor(options: SimOptions) {
    this.#prng = new SeededPrng(options.seed)
    this.shape = shapeFor(this.#prng, options.profile)
    const voters: NodeId[] = []
    for (let id = 1; id <= this.shape.initialVoters; id++) voters.push(id)
    const all = this.shape.initialVoters + (this.shape.membership ? this.shape.spares : 0)
    const nodeOptions = {
      tailLoss: this.shape.tailLoss,
      readMode: this.shape.readMode,
      plantedBug: options.plantedBug,
      snapshotEvery: 24,
      maxMsgBytes: this.shape.maxMsgBytes,
      maxInflightMsgs: this.shape.maxInflightMsgs,
    }
    for (let id = 1; id <= all; id++) {
      const storage = id <= voters.length ? bootstrapStorage(voters) : new MemoryRaftStorage()
      if (id > voters.length) this.#spareIds.push(id)
      const node = new SimNode(id, storage, this, nodeOptions)
      node.start(this.#prng.fork())
      this.nodes.set(id, node)
      this.#queue.push(this.#prng.intInclusive(1, TICK_PERIOD), { kind: 'tick', node: id })
    }
  }

  get traceHash(): number {
    return this.#trace >>> 0
  }

  get time(): number {
    return this.#time
  }

  #mix(...values: number[]): void {
    let h = this.#trace
    for (const v of values) {
      h = Math.imul(h ^ (v & 0xffffffff), 0x01000193)
      h = Math.imul(h ^ Math.floor(v / 0x100000000), 0x01000193)
    }
    this.#trace = h
  }

  // ----- SimHost -----

  send(m: Message): void {
    if (!this.#healed && this.#prng.chance(this.shape.dropRate)) {
      this.stats.dropped++
      return
    }
    const copies = !this.#healed && this.#prng.chance(this.shape.dupRate) ? 2 : 1
    for (let i = 0; i < copies; i++) {
      const delay = this.#prng.intInclusive(1, this.shape.maxDelay)
      this.#queue.push(this.#time + delay, { kind: 'deliver', msg: m })
    }
  }

  scheduleSync(node: NodeId): void {
    this.#queue.push(this.#time + this.#prng.intInclusive(1, 5), { kind: 'sync', node })
  }

  onApplied(node: NodeId, entry: Entry): void {
    if (entry.type !== 'normal' || entry.data.length !== 8) return
    this.checker.acknowledged(entry.index)
    this.stats.writesAcked++
    const id = new DataView(entry.data.buffer, entry.data.byteOffset, 8).getFloat64(0, true)
    if (id === this.#livenessWrite && this.#livenessWrite !== 0) this.#livenessAppliedBy.add(node)
  }

  onSnapshotInstalled(): void {
    this.stats.snapshotsInstalled++
  }

  onReadState(node: NodeId, state: ReadState): void {
    const readId = new DataView(state.context.buffer, state.context.byteOffset, 8).getFloat64(0)
    const ackedAtStart = this.#reads.get(readId)
    if (ackedAtStart === undefined) return // duplicate answer
    this.#reads.delete(readId)
    this.checker.readServed(node, readId, state.index, ackedAtStart)
    this.stats.readsServed++
  }

  // ----- the loop -----

  /** Runs one step: a client operation, a fault, or the next queued event. */
  step(): void {
    const r = this.#prng.nextFloat()
    if (r < 0.12) this.#clientOp()
    else if (r < 0.12 + this.shape.faultRate) this.#fault()
    else this.#runNextEvent()
    this.#checkLeaders()
  }

  #runNextEvent(): void {
    const next = this.#queue.pop()
    if (next === undefined) return
    this.#time = next.time
    const event = next.item
    switch (event.kind) {
      case 'tick': {
        this.#queue.push(this.#time + TICK_PERIOD, event)
        const node = this.nodes.get(event.node)!
        if (!node.live) return
        this.stats.ticks++
        this.#mix(1, this.#time, event.node)
        node.raw!.tick()
        node.process()
        return
      }
      case 'deliver':
        this.#deliver(event.msg)
        return
      case 'sync': {
        this.#mix(3, this.#time, event.node)
        this.nodes.get(event.node)!.sync()
        return
      }
    }
  }

  #deliver(m: Message): void {
    const node = this.nodes.get(m.to)
    const blocked = (this.#side.get(m.from) ?? 0) !== (this.#side.get(m.to) ?? 0)
    if (node === undefined || !node.live || blocked) {
      this.stats.dropped++
      return
    }
    this.stats.delivered++
    this.#mix(2, this.#time, m.from, m.to, messageTypes.indexOf(m.type), m.term, m.index)
    node.raw!.step(m)
    node.process()
  }

  #checkLeaders(): void {
    for (const node of this.nodes.values()) {
      const raft = node.raw?.raft
      if (raft === undefined || raft.role !== 'leader') continue
      if (raft.term > this.stats.maxTerm) this.stats.maxTerm = raft.term
      if (this.checker.leaderElected(raft.term, node.id)) {
        this.stats.leadersElected++
        const log = raft.log
        this.checker.leaderComplete(node.id, log.firstIndex(), (i) => log.term(i))
      }
    }
  }

  #liveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((node) => node.live)
  }

  #pick<T>(items: readonly T[]): T | undefined {
    if (items.length === 0) return undefined
    return items[this.#prng.intInclusive(0, items.length - 1)]
  }

  #leader(): SimNode | undefined {
    let best: SimNode | undefined
    for (const node of this.#liveNodes()) {
      const raft = node.raw!.raft
      if (raft.role === 'leader' && (best === undefined || raft.term > best.raw!.raft.term)) {
        best = node
      }
    }
    return best
  }

  #clientOp(): void {
    const node = this.#pick(this.#liveNodes())
    if (node === undefined) return
    if (this.#prng.chance(0.65)) {
      const data = new Uint8Array(8)
      new DataView(data.buffer).setFloat64(0, this.#nextWrite++, true)
      this.#mix(4, this.#time, node.id)
      node.raw!.propose(data)
    } else {
      const readId = this.#nextRead++
      const context = new Uint8Array(8)
      new DataView(context.buffer).setFloat64(0, readId)
      this.#reads.set(readId, this.checker.maxAcked)
      this.#mix(5, this.#time, node.id)
      node.raw!.readIndex(context)
    }
    node.process()
  }

  #fault(): void {
    const kind = this.#prng.intInclusive(0, 9)
    this.#mix(6, this.#time, kind)
    if (kind <= 1) this.#crash()
    else if (kind <= 4) this.#restart()
    else if (kind === 5) this.#partition()
    else if (kind === 6) this.#side = new Map()
    else if (kind === 7) this.#transfer()
    else if (this.shape.membership) this.#changeMembership()
  }

  #crash(): void {
    const leader = this.#prng.chance(0.5) ? this.#leader() : undefined
    const node = leader ?? this.#pick(this.#liveNodes())
    if (node === undefined) return
    this.stats.crashes++
    node.crash()
  }

  #restart(): void {
    const down = [...this.nodes.values()].filter((node) => !node.live)
    const node = this.#pick(down)
    if (node === undefined) return
    node.start(this.#prng.fork())
    node.process()
  }

  /** A random split, or (half the time) the leader alone with at most one other node. */
  #partition(): void {
    this.stats.partitions++
    this.#side = new Map()
    const leader = this.#leader()
    if (leader !== undefined && this.#prng.chance(0.5)) {
      this.#side.set(leader.id, 1)
      const buddy = this.#pick([...this.nodes.keys()].filter((id) => id !== leader.id))
      if (buddy !== undefined && this.#prng.chance(0.5)) this.#side.set(buddy, 1)
      return
    }
    for (const id of this.nodes.keys()) this.#side.set(id, this.#prng.intInclusive(0, 1))
  }

  #transfer(): void {
    const leader = this.#leader()
    if (leader === undefined) return
    const to = this.#pick(leader.raw!.raft.conf.voters.filter((id) => id !== leader.id))
    if (to === undefined) return
    this.stats.transfers++
    leader.raw!.transferLeader(to)
    leader.process()
  }

  #changeMembership(): void {
    const leader = this.#leader()
    if (leader === undefined) return
    const conf = leader.raw!.raft.conf
    const choice = this.#prng.intInclusive(0, 2)
    let change: { kind: 'add-voter' | 'add-learner' | 'remove'; nodeId: NodeId } | undefined
    if (choice === 0 && this.#spareIds.length > 0) {
      change = { kind: 'add-learner', nodeId: this.#spareIds[0]! }
    } else if (choice === 1 && conf.learners.length > 0) {
      change = { kind: 'add-voter', nodeId: conf.learners[0]! }
    } else if (choice === 2 && conf.voters.length > 3) {
      change = { kind: 'remove', nodeId: this.#pick(conf.voters)! }
    }
    if (change === undefined) return
    const result = leader.raw!.proposeConfChange(change)
    if (result.kind === 'appended') {
      this.stats.confChanges++
      if (change.kind === 'add-learner') this.#spareIds.shift()
    }
    leader.process()
  }

  /** Heals every fault and requires a fresh write to reach every voter in bounded time. */
  checkLiveness(): void {
    this.#healed = true
    this.#side = new Map()
    for (const node of this.nodes.values()) {
      if (!node.live) {
        node.start(this.#prng.fork())
        node.process()
      }
    }
    const healedAt = this.#time
    let nextPropose = this.#time
    let leaderSeen = false
    while (this.#time < healedAt + LIVENESS_BOUND_TIME) {
      if (this.#livenessDone()) return
      leaderSeen ||= this.#leader() !== undefined
      if (!leaderSeen && this.#time > healedAt + LEADER_BOUND_TIME) {
        throw new SafetyViolation(`liveness: no leader ${LEADER_BOUND_TIME} units after healing`)
      }
      if (this.#time >= nextPropose) {
        this.#proposeLivenessWrite()
        nextPropose = this.#time + ELECTION_TIMEOUT_TIME
      }
      this.#runNextEvent()
      this.#checkLeaders()
    }
    throw new SafetyViolation(
      `liveness: no write applied on every voter within ${LIVENESS_BOUND_TIME} time units ` +
        `after healing (time ${this.#time})`,
    )
  }

  #proposeLivenessWrite(): void {
    const leader = this.#leader()
    if (leader === undefined) return
    const data = new Uint8Array(8)
    this.#livenessWrite = this.#nextWrite++
    this.#livenessAppliedBy = new Set()
    new DataView(data.buffer).setFloat64(0, this.#livenessWrite, true)
    leader.raw!.propose(data)
    leader.process()
  }

  #livenessDone(): boolean {
    const leader = this.#leader()
    if (leader === undefined || this.#livenessWrite === 0) return false
    return leader.raw!.raft.conf.voters.every((id) => this.#livenessAppliedBy.has(id))
  }
}
