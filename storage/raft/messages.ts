/**
 * The Raft data model: log entries, hard state, configuration, snapshots and the messages
 * replicas exchange. One `Message` shape serves every message type (as in etcd's raftpb):
 * `type` is the discriminant and the fields a type does not use stay at their zero value.
 * The binary codec for these lives in message-codec.ts.
 */

/** A replica id inside one Raft group. 0 is reserved for "nobody". */
export type NodeId = number
export type Term = number
/** A log position; the first real entry is at index 1. */
export type Index = number

export const NONE: NodeId = 0

export type EntryType = 'normal' | 'conf-change'

export interface Entry {
  readonly term: Term
  readonly index: Index
  readonly type: EntryType
  readonly data: Uint8Array
}

/** What must be durable before the node answers anything that depends on it. */
export interface HardState {
  readonly term: Term
  readonly vote: NodeId
  readonly commit: Index
}

export const emptyHardState: HardState = { term: 0, vote: NONE, commit: 0 }

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}

/** Group membership: voters count towards quorums, learners only receive the log. */
export interface ConfState {
  readonly voters: readonly NodeId[]
  readonly learners: readonly NodeId[]
}

export interface SnapshotMetadata {
  readonly index: Index
  readonly term: Term
  readonly confState: ConfState
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata
  /** The application's state machine image as of metadata.index; opaque to Raft. */
  readonly data: Uint8Array
}

export const messageTypes = [
  'app', // leader -> follower: entries after (index, logTerm), plus the leader's commit
  'app-resp', // follower -> leader: accepted up to index, or rejected with a hint
  'heartbeat', // leader -> follower: commit and a heartbeat round number
  'heartbeat-resp', // follower -> leader: echoes the round (ReadIndex and lease)
  'vote',
  'vote-resp',
  'pre-vote',
  'pre-vote-resp',
  'snap', // leader -> follower: install a snapshot
  'timeout-now', // leader -> transferee: campaign now, skipping pre-vote and leases
  'prop', // follower -> leader: forwarded proposals
  'read-index', // follower -> leader: forwarded read request (context)
  'read-index-resp', // leader -> follower: the read index for that context
] as const

export type MessageType = (typeof messageTypes)[number]

export interface Message {
  readonly type: MessageType
  readonly from: NodeId
  readonly to: NodeId
  readonly term: Term
  /** app: term of the entry at `index`; vote: candidate's last log term; resp: hint term. */
  readonly logTerm: Term
  /** app: index preceding `entries`; app-resp: match or rejected index; vote: last index. */
  readonly index: Index
  readonly entries: readonly Entry[]
  readonly commit: Index
  readonly reject: boolean
  /** app-resp reject: the follower's suggested next probe index (fast backtracking). */
  readonly rejectHint: Index
  /** heartbeat and heartbeat-resp: the leader's heartbeat round (for ReadIndex and leases). */
  readonly round: number
  /** read-index(-resp): the caller's request id; vote: TRANSFER_CONTEXT for forced votes. */
  readonly context: Uint8Array
  readonly snapshot: Snapshot | null
}

const emptyBytes = new Uint8Array(0)
const noEntries: readonly Entry[] = []

/** Marks a vote request that follows a leadership transfer and may break a leader lease. */
export const TRANSFER_CONTEXT = new Uint8Array([0x74]) // 't'

export function isTransferContext(context: Uint8Array): boolean {
  return context.length === 1 && context[0] === 0x74
}

/** Builds a message, filling the unused fields with their zero values. */
export function message(
  fields: Pick<Message, 'type' | 'from' | 'to' | 'term'> & Partial<Message>,
): Message {
  return {
    logTerm: 0,
    index: 0,
    entries: noEntries,
    commit: 0,
    reject: false,
    rejectHint: 0,
    round: 0,
    context: emptyBytes,
    snapshot: null,
    ...fields,
  }
}

export function isResponse(type: MessageType): boolean {
  return (
    type === 'app-resp' ||
    type === 'heartbeat-resp' ||
    type === 'vote-resp' ||
    type === 'pre-vote-resp' ||
    type === 'read-index-resp'
  )
}

/** Approximate in-memory size used for batching limits. */
export function entryBytes(entry: Entry): number {
  return entry.data.length + 24
}

export function emptySnapshot(): Snapshot {
  return {
    metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } },
    data: emptyBytes,
  }
}
