/**
 * RaftStorage: the read side of the persisted log that the Raft core consults, plus
 * MemoryRaftStorage, the in-memory implementation used by tests, the simulator and benches.
 *
 * Contract (as etcd's Storage): the core only reads through this interface; the host writes to
 * it when it handles a Ready (append entries, set hard state, apply snapshot) and compacts it
 * after snapshots. Entries in [firstIndex, lastIndex] are available; term(firstIndex - 1) is
 * the term of the last compacted entry (the snapshot's). Asking outside those bounds is a
 * programmer error in the core and throws. Any other failure makes the Raft instance unusable.
 */
import { assert } from '../../shared/assert.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { ConfState, Entry, HardState, Index, Snapshot, Term } from './messages.ts'
import { emptyHardState, emptySnapshot, entryBytes } from './messages.ts'

export interface RaftStorage {
  /** Hard state and configuration as of the last persisted state (used at start). */
  initialState(): { hardState: HardState; confState: ConfState }
  /**
   * Entries in [lo, hi), at least one if lo < hi, then as many as fit in maxBytes.
   * Requires firstIndex <= lo and hi <= lastIndex + 1. The caller must not mutate them.
   */
  entries(lo: Index, hi: Index, maxBytes: number): Entry[]
  /** Term of entry i, for firstIndex - 1 <= i <= lastIndex. */
  term(i: Index): Term
  firstIndex(): Index
  lastIndex(): Index
  /** The most recent snapshot (the one firstIndex - 1 belongs to). */
  snapshot(): Snapshot
}

export class MemoryRaftStorage implements RaftStorage {
  #hardState: HardState = emptyHardState
  #snapshot: Snapshot
  /** entries[0] is a dummy at the snapshot's (index, term); entries[i] has index offset + i. */
  #entries: Entry[]

  constructor(snapshot: Snapshot = emptySnapshot()) {
    this.#snapshot = snapshot
    this.#entries = [dummy(snapshot.metadata.index, snapshot.metadata.term)]
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.#hardState, confState: this.#snapshot.metadata.confState }
  }

  get hardState(): HardState {
    return this.#hardState
  }

  setHardState(hardState: HardState): void {
    this.#hardState = hardState
  }

  #offset(): Index {
    return this.#entries[0]!.index
  }

  firstIndex(): Index {
    return this.#offset() + 1
  }

  lastIndex(): Index {
    return this.#offset() + this.#entries.length - 1
  }

  term(i: Index): Term {
    const offset = this.#offset()
    if (i < offset || i > this.lastIndex()) {
      throw new ShoalError('internal', `raft storage: term(${i}) outside [${offset}, last]`)
    }
    return this.#entries[i - offset]!.term
  }

  entries(lo: Index, hi: Index, maxBytes: number): Entry[] {
    const offset = this.#offset()
    if (lo <= offset || hi > this.lastIndex() + 1 || lo > hi) {
      throw new ShoalError('internal', `raft storage: entries(${lo}, ${hi}) out of range`)
    }
    const out: Entry[] = []
    let bytes = 0
    for (let i = lo; i < hi; i++) {
      const entry = this.#entries[i - offset]!
      bytes += entryBytes(entry)
      if (out.length > 0 && bytes > maxBytes) break
      out.push(entry)
    }
    return out
  }

  snapshot(): Snapshot {
    return this.#snapshot
  }

  /** Appends entries, truncating any existing suffix they conflict with. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return
    const first = entries[0]!.index
    const offset = this.#offset()
    assert(first <= this.lastIndex() + 1, `raft storage: gap appending at ${first}`)
    if (first + entries.length - 1 <= offset) return // all compacted already
    const skip = Math.max(0, offset + 1 - first)
    this.#entries.length = first + skip - offset
    for (let i = skip; i < entries.length; i++) this.#entries.push(entries[i]!)
  }

  /** Replaces the log with a snapshot from the leader (or a restore). Stale ones are refused. */
  applySnapshot(snapshot: Snapshot): void {
    const index = snapshot.metadata.index
    if (index <= this.#snapshot.metadata.index) {
      throw new ShoalError('conflict', `raft storage: snapshot ${index} is out of date`)
    }
    this.#snapshot = snapshot
    this.#entries = [dummy(index, snapshot.metadata.term)]
  }

  /** Records a snapshot of the application at index i (i <= applied); does not compact. */
  createSnapshot(i: Index, confState: ConfState, data: Uint8Array): Snapshot {
    assert(i > this.#snapshot.metadata.index, `raft storage: snapshot ${i} is out of date`)
    assert(i <= this.lastIndex(), `raft storage: snapshot ${i} beyond last index`)
    this.#snapshot = { metadata: { index: i, term: this.term(i), confState }, data }
    return this.#snapshot
  }

  /** Discards entries before `compactIndex` (it becomes the dummy). */
  compact(compactIndex: Index): void {
    const offset = this.#offset()
    if (compactIndex <= offset) return
    assert(compactIndex <= this.lastIndex(), `raft storage: compact ${compactIndex} beyond last`)
    const kept = this.#entries.slice(compactIndex - offset)
    kept[0] = dummy(kept[0]!.index, kept[0]!.term)
    this.#entries = kept
  }

  /** Drops entries after `index` (the simulator's "unsynced tail lost in a crash"). */
  truncateAfter(index: Index): void {
    const offset = this.#offset()
    if (index < offset) index = offset
    this.#entries.length = Math.min(this.#entries.length, index - offset + 1)
  }

  /** A deep-enough copy: entries are immutable, so sharing them is fine. */
  clone(): MemoryRaftStorage {
    const copy = new MemoryRaftStorage(this.#snapshot)
    copy.#entries = this.#entries.slice()
    copy.#hardState = this.#hardState
    return copy
  }
}

function dummy(index: Index, term: Term): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(0) }
}
