/**
 * Unstable: the tail of the log (and possibly a snapshot) that the host has not yet persisted.
 * It is handed out in Ready and dropped here once the host confirms it with advance().
 */
import { assert } from '../../shared/assert.ts'
import type { Entry, Index, Snapshot, Term } from './messages.ts'

export class Unstable {
  /** A snapshot received from the leader and not yet persisted. */
  snapshot: Snapshot | null = null
  /** entries[i] has log index offset + i. Invariant: snapshot === null || offset === snap + 1. */
  entries: Entry[] = []
  offset: Index

  constructor(offset: Index) {
    this.offset = offset
  }

  maybeFirstIndex(): Index | undefined {
    return this.snapshot === null ? undefined : this.snapshot.metadata.index + 1
  }

  maybeLastIndex(): Index | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1
    return this.snapshot === null ? undefined : this.snapshot.metadata.index
  }

  maybeTerm(i: Index): Term | undefined {
    if (i < this.offset) {
      const snap = this.snapshot
      return snap !== null && snap.metadata.index === i ? snap.metadata.term : undefined
    }
    const entry = this.entries[i - this.offset]
    return entry === undefined ? undefined : entry.term
  }

  /** The host persisted entries up to (i, t); drop them unless they were replaced meanwhile. */
  stableTo(i: Index, t: Term): void {
    const term = this.maybeTerm(i)
    if (term !== t || i < this.offset) return
    this.entries = this.entries.slice(i + 1 - this.offset)
    this.offset = i + 1
  }

  stableSnapTo(i: Index): void {
    if (this.snapshot !== null && this.snapshot.metadata.index === i) this.snapshot = null
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1
    this.entries = []
    this.snapshot = snapshot
  }

  truncateAndAppend(entries: readonly Entry[]): void {
    const after = entries[0]!.index
    if (after === this.offset + this.entries.length) {
      for (const entry of entries) this.entries.push(entry)
    } else if (after <= this.offset) {
      // Replaces everything unstable; the host will overwrite its stored suffix from `after`.
      this.offset = after
      this.entries = entries.slice()
    } else {
      this.entries = this.entries.slice(0, after - this.offset).concat(entries)
    }
  }

  slice(lo: Index, hi: Index): Entry[] {
    assert(lo >= this.offset && hi <= this.offset + this.entries.length, 'unstable slice range')
    return this.entries.slice(lo - this.offset, hi - this.offset)
  }
}
