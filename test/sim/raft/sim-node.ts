/**
 * SimNode: the simulator's host for one replica. It follows the Ready contract (persist, then
 * send, then apply, then advance), keeps a tiny state machine (a hash chain over applied
 * entries), snapshots and compacts its log, and models crashes: volatile state is lost and, in
 * the tail-loss variant, so is everything written since the last sync (persist and sync are
 * then two events, with the node's messages held back until the sync).
 */
import type { PlantedBug, ReadMode } from '../../../storage/raft/config.ts'
import type { Entry, Message, NodeId, Snapshot } from '../../../storage/raft/messages.ts'
import type { MemoryRaftStorage } from '../../../storage/raft/raft-storage.ts'
import { RawNode } from '../../../storage/raft/raw-node.ts'
import type { Ready } from '../../../storage/raft/ready.ts'
import type { ReadState } from '../../../storage/raft/read-index.ts'
import type { Prng } from '../../../shared/random/prng.ts'
import type { Checker } from './checker.ts'
import { chainHash, entryHash } from './checker.ts'

export interface SimHost {
  readonly checker: Checker
  send(m: Message): void
  scheduleSync(node: NodeId): void
  onApplied(node: NodeId, entry: Entry): void
  onReadState(node: NodeId, state: ReadState): void
  onSnapshotInstalled(node: NodeId): void
}

export interface SimNodeOptions {
  readonly tailLoss: boolean
  readonly readMode: ReadMode
  readonly plantedBug: PlantedBug | undefined
  readonly snapshotEvery: number
  readonly maxMsgBytes: number
  readonly maxInflightMsgs: number
}

const ELECTION_TICKS = 10
const HEARTBEAT_TICKS = 2

export class SimNode {
  readonly id: NodeId
  storage: MemoryRaftStorage
  /** Tail-loss variant: the durable image as of the last sync. */
  #synced: MemoryRaftStorage | null = null
  raw: RawNode | null = null
  appliedIndex = 0
  stateHash = 0
  #pending: Ready | null = null
  readonly #host: SimHost
  readonly #options: SimNodeOptions

  constructor(id: NodeId, storage: MemoryRaftStorage, host: SimHost, options: SimNodeOptions) {
    this.id = id
    this.storage = storage
    this.#host = host
    this.#options = options
    if (options.tailLoss) this.#synced = storage.clone()
  }

  get live(): boolean {
    return this.raw !== null
  }

  start(prng: Prng): void {
    if (this.#options.plantedBug === 'vote-not-persisted') {
      this.storage.setHardState({ ...this.storage.hardState, vote: 0 })
    }
    const snap = this.storage.snapshot()
    this.#restoreState(snap)
    this.raw = new RawNode({
      id: this.id,
      storage: this.storage,
      prng,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      readMode: this.#options.readMode,
      applied: this.appliedIndex,
      maxMsgBytes: this.#options.maxMsgBytes,
      maxInflightMsgs: this.#options.maxInflightMsgs,
      ...(this.#options.plantedBug === undefined ? {} : { plantedBug: this.#options.plantedBug }),
    })
  }

  crash(): void {
    this.raw = null
    this.#pending = null
    if (this.#synced !== null) this.storage = this.#synced.clone()
  }

  #restoreState(snap: Snapshot): void {
    this.appliedIndex = snap.metadata.index
    this.stateHash = 0
    if (snap.data.length === 12) {
      const view = new DataView(snap.data.buffer, snap.data.byteOffset, 12)
      this.appliedIndex = Number(view.getBigUint64(0, true))
      this.stateHash = view.getUint32(8, true)
    }
  }

  /** Drains Ready batches (one at a time in the tail-loss variant). */
  process(): void {
    const raw = this.raw
    if (raw === null) return
    while (this.#pending === null && raw.hasReady()) {
      const rd = raw.ready()
      this.#write(rd)
      if (this.#options.tailLoss) {
        this.#pending = rd
        this.#host.scheduleSync(this.id)
        return
      }
      this.#finish(rd)
    }
  }

  /** The fsync completed: the Ready's writes are durable; continue the contract. */
  sync(): void {
    const rd = this.#pending
    if (rd === null || this.raw === null) return
    this.#pending = null
    this.#finish(rd)
    this.process()
  }

  #write(rd: Ready): void {
    const checker = this.#host.checker
    if (rd.snapshot !== null) this.storage.applySnapshot(rd.snapshot)
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!
      let prevTerm: number | undefined = this.#termOf(first.index - 1)
      for (const entry of rd.entries) {
        checker.persisted(entry, prevTerm)
        prevTerm = entry.term
      }
      this.storage.append(rd.entries)
    }
    if (rd.hardState !== null) {
      const before = this.storage.hardState.commit
      this.storage.setHardState(rd.hardState)
      const log = this.raw!.raft.log
      for (let i = before + 1; i <= rd.hardState.commit; i++) {
        const term = log.term(i)
        if (term !== undefined) checker.committed(this.id, i, term)
      }
    }
  }

  #termOf(index: number): number | undefined {
    if (index < this.storage.firstIndex() - 1 || index > this.storage.lastIndex()) return undefined
    return this.storage.term(index)
  }

  #finish(rd: Ready): void {
    if (this.#synced !== null) this.#synced = this.storage.clone()
    for (const m of rd.messages) this.#host.send(m)
    if (rd.snapshot !== null) {
      this.#restoreState(rd.snapshot)
      this.#host.checker.applied(this.id, this.appliedIndex, this.stateHash)
      this.#host.onSnapshotInstalled(this.id)
    }
    for (const entry of rd.committedEntries) {
      this.stateHash = chainHash(this.stateHash, entry.term, entryHash(entry))
      this.appliedIndex = entry.index
      this.#host.checker.applied(this.id, entry.index, this.stateHash)
      this.#host.onApplied(this.id, entry)
    }
    for (const state of rd.readStates) this.#host.onReadState(this.id, state)
    this.raw!.advance(rd)
    this.#maybeSnapshot()
  }

  #maybeSnapshot(): void {
    const first = this.storage.firstIndex()
    if (this.appliedIndex - first < this.#options.snapshotEvery) return
    if (this.appliedIndex > this.storage.lastIndex()) return
    const data = new Uint8Array(12)
    const view = new DataView(data.buffer)
    view.setBigUint64(0, BigInt(this.appliedIndex), true)
    view.setUint32(8, this.stateHash, true)
    this.storage.createSnapshot(this.appliedIndex, this.raw!.raft.conf, data)
    this.storage.compact(this.appliedIndex - Math.floor(this.#options.snapshotEvery / 4))
  }
}
