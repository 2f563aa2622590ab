/**
 * GroupLogStorage: the RaftStorage one Raft group reads, over the node's shared RaftLogEngine.
 * The engine is the source of truth; this adapter only maps its answers to the core's shapes.
 *
 * Membership is static (from the cluster file) and never logged, so every entry is 'normal'
 * and the ConfState comes from the caller. The engine's snapshot marker (the compacted prefix)
 * is reported as a snapshot without data: when the core sends it, the host streams the state
 * machine's range instead (host.ts, storage/node/snapshots.ts), taken at the sender's applied
 * index, which is at or past the compacted prefix.
 */
import { ShoalError } from '../../shared/errors.ts'
import type { RaftLogEngine } from '../raftlog/log-engine.ts'
import type { ConfState, Entry, HardState, Index, Snapshot, Term } from '../raft/messages.ts'
import { emptyHardState } from '../raft/messages.ts'
import type { RaftStorage } from '../raft/raft-storage.ts'

const noData = new Uint8Array(0)

export class GroupLogStorage implements RaftStorage {
  readonly #engine: RaftLogEngine
  readonly #group: number
  readonly #confState: ConfState

  constructor(engine: RaftLogEngine, group: number, confState: ConfState) {
    this.#engine = engine
    this.#group = group
    this.#confState = confState
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.#engine.hardState(this.#group) ?? emptyHardState,
      confState: this.#confState }
  }

  entries(lo: Index, hi: Index, maxBytes: number): Entry[] {
    const found = this.#engine.entries(this.#group, lo, hi, maxBytes)
    if (found === 'compacted') {
      throw new ShoalError('internal', `group ${this.#group}: entries from ${lo} are compacted`)
    }
    return found.map((e) => ({ index: e.index, term: e.term, type: 'normal', data: e.data }))
  }

  term(i: Index): Term {
    const term = this.#engine.term(this.#group, i)
    if (typeof term !== 'number') {
      throw new ShoalError('internal', `group ${this.#group}: term(${i}) is ${term}`)
    }
    return term
  }

  firstIndex(): Index {
    return this.#engine.firstIndex(this.#group)
  }

  lastIndex(): Index {
    return this.#engine.lastIndex(this.#group)
  }

  snapshot(): Snapshot {
    const index = this.firstIndex() - 1
    return { metadata: { index, term: this.term(index), confState: this.#confState },
      data: noData }
  }
}
