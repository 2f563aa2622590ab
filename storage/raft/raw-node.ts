/**
 * RawNode: the host-facing facade over Raft. The host drives it with inputs and drains work
 * with ready()/advance(); see ready.ts for the ordering contract. A host loop looks like:
 *
 *   node.tick()                        // every tick interval (e.g. 100 ms)
 *   node.step(decode(bytes))           // for each message from a peer
 *   node.propose(data)                 // for each client write
 *   if (node.hasReady()) {
 *     const rd = node.ready()
 *     if (rd.snapshot) storage.applySnapshot(rd.snapshot)
 *     storage.append(rd.entries); if (rd.hardState) storage.setHardState(rd.hardState)
 *     if (rd.mustSync) await fsync()
 *     for (const m of rd.messages) transport.send(m.to, encodeMessage(m))
 *     applySnapshotThenEntries(rd.snapshot, rd.committedEntries)
 *     serveReads(rd.readStates)
 *     node.advance(rd)
 *   }
 *
 * One RawNode per Raft group; a multi-raft host keeps many and batches their Ready fsyncs.
 */
import { assert } from '../../shared/assert.ts'
import type { ConfChange } from './conf-change.ts'
import type { RaftConfig } from './config.ts'
import type { HardState, Index, Message, NodeId } from './messages.ts'
import { hardStateEqual } from './messages.ts'
import type { ProposeResult, ReadResult } from './raft.ts'
import { Raft, confChangeOf } from './raft.ts'
import type { Ready, SoftState } from './ready.ts'

export interface RaftStatus {
  readonly id: NodeId
  readonly hardState: HardState
  readonly softState: SoftState
  readonly applied: Index
  readonly lastIndex: Index
}

export class RawNode {
  readonly raft: Raft
  #prevHardState: HardState
  #prevSoftState: SoftState
  #outstanding: Ready | null = null

  constructor(config: RaftConfig) {
    this.raft = new Raft(config)
    this.#prevHardState = config.storage.initialState().hardState
    this.#prevSoftState = this.#softState()
  }

  tick(): void {
    this.raft.tick()
  }

  step(m: Message): void {
    this.raft.step(m)
  }

  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose([{ type: 'normal', data }])
  }

  /** Proposes many entries at once (one append for all; the batching path). */
  proposeBatch(datas: readonly Uint8Array[]): ProposeResult {
    return this.raft.propose(datas.map((data) => ({ type: 'normal', data })))
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    return this.raft.proposeConfChange(change)
  }

  /** Asks for a linearizable read; the answer comes as a ReadState with the same context. */
  readIndex(context: Uint8Array): ReadResult {
    return this.raft.readIndex(context)
  }

  campaign(): void {
    this.raft.campaign()
  }

  transferLeader(to: NodeId): ReturnType<Raft['transferLeader']> {
    return this.raft.transferLeader(to)
  }

  #softState(): SoftState {
    return { lead: this.raft.lead, role: this.raft.role }
  }

  hasReady(): boolean {
    const r = this.raft
    const soft = this.#softState()
    return (
      r.msgs.length > 0 ||
      r.commitToSend ||
      r.readStates.length > 0 ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== null ||
      r.log.hasNextCommittedEntries() ||
      !hardStateEqual(r.hardState(), this.#prevHardState) ||
      soft.lead !== this.#prevSoftState.lead ||
      soft.role !== this.#prevSoftState.role
    )
  }

  /** Takes the pending work. Call advance(rd) before the next ready(). */
  ready(): Ready {
    assert(this.#outstanding === null, 'raw node: ready() called before advance()')
    const r = this.raft
    r.flushCommit()
    const hardState = r.hardState()
    const soft = this.#softState()
    const prevSoft = this.#prevSoftState
    const softChanged = soft.lead !== prevSoft.lead || soft.role !== prevSoft.role
    const hardChanged = !hardStateEqual(hardState, this.#prevHardState)
    const entries = r.log.unstable.entries.slice()
    const rd: Ready = {
      softState: softChanged ? soft : null,
      hardState: hardChanged ? hardState : null,
      entries,
      snapshot: r.log.unstable.snapshot,
      committedEntries: r.log.nextCommittedEntries(r.cfg.maxCommittedBytesPerReady),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync:
        entries.length > 0 ||
        (hardChanged &&
          (hardState.term !== this.#prevHardState.term ||
            hardState.vote !== this.#prevHardState.vote)),
    }
    r.msgs = []
    r.readStates = []
    if (softChanged) this.#prevSoftState = soft
    if (hardChanged) this.#prevHardState = hardState
    this.#outstanding = rd
    return rd
  }

  /** The host finished the Ready: mark entries stable, entries applied, apply conf changes. */
  advance(rd: Ready): void {
    assert(this.#outstanding === rd, 'raw node: advance() with a Ready it did not hand out')
    this.#outstanding = null
    const log = this.raft.log
    const last = rd.entries[rd.entries.length - 1]
    if (last !== undefined) log.unstable.stableTo(last.index, last.term)
    if (rd.snapshot !== null) {
      log.unstable.stableSnapTo(rd.snapshot.metadata.index)
      if (rd.snapshot.metadata.index > log.applied) log.appliedTo(rd.snapshot.metadata.index)
    }
    const committed = rd.committedEntries
    for (let i = 0; i < committed.length; i++) {
      const entry = committed[i]!
      if (entry.type !== 'conf-change') continue
      log.appliedTo(entry.index) // changes apply in log order, each at its own index
      this.raft.applyConfChange(confChangeOf(entry)!)
    }
    const lastApplied = committed[committed.length - 1]
    if (lastApplied !== undefined) log.appliedTo(lastApplied.index)
  }

  status(): RaftStatus {
    const r = this.raft
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: this.#softState(),
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
    }
  }
}
