/**
 * Progress: the leader's view of one follower's log. States (etcd's tracker):
 * - probe: send one append per heartbeat interval until the follower's match is known;
 * - replicate: stream appends optimistically, up to the inflights window;
 * - snapshot: a snapshot is in flight; send nothing until it is acknowledged or gives up.
 */
import { assert } from '../../shared/assert.ts'
import { Inflights } from './inflights.ts'
import type { Index } from './messages.ts'

export type ProgressState = 'probe' | 'replicate' | 'snapshot'

export class Progress {
  /** Highest index known to be replicated on the follower. */
  match: Index = 0
  /** Next index to send. Invariant: match < next. */
  next: Index
  state: ProgressState = 'probe'
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshot: Index = 0
  /**
   * Heartbeat responses seen while waiting with no progress (a snapshot in flight, or a full
   * replicate window). Past a bound the leader assumes loss and probes again.
   */
  stall = 0
  /** Heard from since the last check-quorum round. */
  recentActive = false
  /** In probe state: an append was sent this heartbeat interval. */
  probeSent = false
  isLearner: boolean
  readonly inflights: Inflights

  constructor(next: Index, isLearner: boolean, maxInflight: number, maxInflightBytes: number) {
    this.next = next
    this.isLearner = isLearner
    this.inflights = new Inflights(maxInflight, maxInflightBytes)
  }

  #reset(state: ProgressState): void {
    this.probeSent = false
    this.pendingSnapshot = 0
    this.stall = 0
    this.state = state
    this.inflights.reset()
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot
      this.#reset('probe')
      this.next = Math.max(this.match + 1, pending + 1)
    } else {
      this.#reset('probe')
      this.next = this.match + 1
    }
  }

  becomeReplicate(): void {
    this.#reset('replicate')
    this.next = this.match + 1
  }

  becomeSnapshot(snapshotIndex: Index): void {
    this.#reset('snapshot')
    this.pendingSnapshot = snapshotIndex
  }

  /** An acknowledgement up to n. Returns false if it was stale. */
  maybeUpdate(n: Index): boolean {
    let updated = false
    if (this.match < n) {
      this.match = n
      updated = true
      this.probeSent = false
      this.stall = 0
    }
    this.next = Math.max(this.next, n + 1)
    return updated
  }

  /** An append up to `last` went out (optimistically advances next in replicate state). */
  sentEntries(last: Index, count: number, bytes: number): void {
    if (this.state === 'replicate' && count > 0) {
      this.next = last + 1
      this.inflights.add(last, bytes)
    }
    if (this.state === 'probe') this.probeSent = true
  }

  /**
   * A rejection of the append at `rejected`; `hint` is the next index to try. Returns false if
   * the rejection is stale (out of order) and was ignored.
   */
  maybeDecrTo(rejected: Index, hint: Index): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.next = this.match + 1
      return true
    }
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1)
    assert(this.next > this.match, 'progress: next must stay above match')
    this.probeSent = false
    return true
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent
      case 'replicate':
        return this.inflights.full()
      case 'snapshot':
        return true
    }
  }
}
