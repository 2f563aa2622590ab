/**
 * RaftLog: one view over the persisted log (RaftStorage) and the unpersisted tail (Unstable),
 * with the commit and applied cursors. Invariant: applied <= committed <= lastIndex.
 */
import { assert } from '../../shared/assert.ts'
import type { Entry, Index, Snapshot, Term } from './messages.ts'
import { entryBytes } from './messages.ts'
import type { RaftStorage } from './raft-storage.ts'
import { Unstable } from './unstable.ts'

export class RaftLog {
  readonly storage: RaftStorage
  readonly unstable: Unstable
  /** Highest index known to be stored on a quorum. */
  committed: Index
  /** Highest index the host has applied (acknowledged through advance()). */
  applied: Index

  constructor(storage: RaftStorage) {
    this.storage = storage
    const first = storage.firstIndex()
    this.unstable = new Unstable(storage.lastIndex() + 1)
    this.committed = first - 1
    this.applied = first - 1
  }

  firstIndex(): Index {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex()
  }

  lastIndex(): Index {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex()
  }

  /** Term of entry i, or undefined when i is compacted away or beyond the end. */
  term(i: Index): Term | undefined {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined
    const term = this.unstable.maybeTerm(i)
    if (term !== undefined) return term
    return this.storage.term(i)
  }

  lastTerm(): Term {
    const term = this.term(this.lastIndex())
    assert(term !== undefined, 'raft log: last term unavailable')
    return term
  }

  matchTerm(i: Index, t: Term): boolean {
    return this.term(i) === t
  }

  /** Raft's candidate restriction (section 5.4.1): is (lastIndex, term) at least as new? */
  isUpToDate(lastIndex: Index, term: Term): boolean {
    const ourTerm = this.lastTerm()
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex())
  }

  /**
   * Follower side of an append: if (index, logTerm) matches, append the entries (truncating a
   * conflicting suffix) and advance commit. Returns the last new index, or undefined on a miss.
   */
  maybeAppend(index: Index, logTerm: Term, committed: Index, entries: readonly Entry[]) {
    if (!this.matchTerm(index, logTerm)) return undefined
    const lastNew = index + entries.length
    const conflict = this.findConflict(entries)
    if (conflict !== 0) {
      assert(conflict > this.committed, `raft log: conflict at ${conflict} <= committed`)
      this.append(entries.slice(conflict - (index + 1)))
    }
    this.commitTo(Math.min(committed, lastNew))
    return lastNew
  }

  findConflict(entries: readonly Entry[]): Index {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index
    }
    return 0
  }

  /**
   * Fast backtracking: the largest index <= `index` whose term is <= `term`, with that term.
   * Everything between it and `index` cannot match a log whose entry at `index` has `term`.
   */
  findConflictByTerm(index: Index, term: Term): [Index, Term] {
    for (let i = Math.min(index, this.lastIndex()); i > 0; i--) {
      const t = this.term(i)
      if (t === undefined) return [i, 0]
      if (t <= term) return [i, t]
    }
    return [0, 0]
  }

  append(entries: readonly Entry[]): Index {
    if (entries.length === 0) return this.lastIndex()
    assert(entries[0]!.index - 1 >= this.committed, 'raft log: append below commit')
    this.unstable.truncateAndAppend(entries)
    return this.lastIndex()
  }

  hasNextCommittedEntries(): boolean {
    const lo = Math.max(this.applied + 1, this.firstIndex())
    return this.committed + 1 > lo
  }

  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex())
    if (this.committed + 1 <= lo) return []
    return this.slice(lo, this.committed + 1, maxBytes)
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot()
  }

  commitTo(index: Index): void {
    if (index <= this.committed) return
    assert(index <= this.lastIndex(), `raft log: commit ${index} beyond last index`)
    this.committed = index
  }

  appliedTo(index: Index): void {
    assert(index <= this.committed && index >= this.applied, `raft log: bad applied ${index}`)
    this.applied = index
  }

  /** Leader side: commit `index` only if it is from `term` (the current one; Figure 8). */
  maybeCommit(index: Index, term: Term): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index)
      return true
    }
    return false
  }

  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index
    this.unstable.restore(snapshot)
  }

  /** Entries from i to the end, at most maxBytes (at least one). */
  entriesFrom(i: Index, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return []
    return this.slice(i, this.lastIndex() + 1, maxBytes)
  }

  /** Entries in [lo, hi) up to maxBytes (at least one). Requires lo >= firstIndex. */
  slice(lo: Index, hi: Index, maxBytes: number): Entry[] {
    assert(lo >= this.firstIndex() && hi <= this.lastIndex() + 1, `raft log: slice ${lo}..${hi}`)
    if (lo === hi) return []
    const offset = this.unstable.offset
    let out: Entry[] = []
    if (lo < offset) {
      out = this.storage.entries(lo, Math.min(hi, offset), maxBytes)
      if (out.length < Math.min(hi, offset) - lo) return out
    }
    if (hi > offset) {
      let bytes = 0
      for (const entry of out) bytes += entryBytes(entry)
      for (const entry of this.unstable.slice(Math.max(lo, offset), hi)) {
        bytes += entryBytes(entry)
        if (out.length > 0 && bytes > maxBytes) break
        out.push(entry)
      }
    }
    return out
  }
}
