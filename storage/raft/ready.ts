/**
 * Ready: one batch of work the Raft core hands to its host, and the order the host must do it.
 *
 * The contract, for each Ready `rd` returned by RawNode.ready():
 *
 *   1. Persist, durably (fsync) and atomically enough that a crash leaves a prefix:
 *        - rd.snapshot (if any): replace the log with it (storage.applySnapshot);
 *        - rd.entries: append, truncating any stored suffix from rd.entries[0].index on;
 *        - rd.hardState (if any): term, vote and commit.
 *      A vote or a term that is sent before it is durable can be given twice after a crash
 *      (two leaders in one term); an acknowledged append that is not durable can lose a
 *      committed entry. Hence step 1 happens BEFORE step 2. `rd.mustSync` says whether an
 *      fsync is needed (entries, or a change of term or vote; a commit-only change is not).
 *   2. Send rd.messages. They may be sent in any order and may be lost, duplicated or
 *      reordered by the network; Raft tolerates all of that.
 *   3. Apply rd.snapshot (if any) and then rd.committedEntries, in order, to the state machine.
 *      Committed entries are durable on a quorum; applying them after step 1 is required (an
 *      entry can be committed and still be in rd.entries). Membership changes among them are
 *      applied to Raft by advance(); the host only needs to persist the new ConfState with its
 *      applied index (or in its next snapshot).
 *   4. Serve rd.readStates once the applied index reaches each one's index.
 *   5. Call advance(rd). Only then call ready() again.
 *
 * softState changes are informational (who leads, our role) and need no persistence.
 */
import type { Entry, HardState, Message, NodeId, Snapshot } from './messages.ts'
import type { RaftRole } from './raft.ts'
import type { ReadState } from './read-index.ts'

export interface SoftState {
  readonly lead: NodeId
  readonly role: RaftRole
}

export interface Ready {
  /** Set when the leader or our role changed since the last Ready. */
  readonly softState: SoftState | null
  /** Set when term, vote or commit changed since the last Ready. */
  readonly hardState: HardState | null
  /** Entries to persist before sending `messages`. */
  readonly entries: readonly Entry[]
  /** A snapshot from the leader to persist and then apply. */
  readonly snapshot: Snapshot | null
  /** Entries to apply, in order, after persisting this Ready. */
  readonly committedEntries: readonly Entry[]
  /** Messages to send after persisting this Ready. */
  readonly messages: readonly Message[]
  readonly readStates: readonly ReadState[]
  /** Whether step 1 needs an fsync. */
  readonly mustSync: boolean
}
