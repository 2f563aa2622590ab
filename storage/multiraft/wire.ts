/**
 * The `raft.batch` wire format: every Raft message one node sends another in one host turn,
 * as one one-way RPC body (msgpack). Each message is a flat array, so the body stays small and
 * the receiver can check every field's type before the core sees it (R14: decoded bodies are
 * `unknown`). Snapshots never travel here (the host does not compact past a replica's log).
 *
 *   body = { v: 1, from: string, msgs: [[group, type, from, to, term, logTerm, index, commit,
 *            reject, rejectHint, round, context, entries: [[term, index, data], ...]], ...] }
 */
import { ShoalError } from '../../shared/errors.ts'
import type { Entry, Message, MessageType } from '../raft/messages.ts'
import { message, messageTypes } from '../raft/messages.ts'
import { wireFields } from './wire-fields.ts'

export const raftBatchMethod = 'raft.batch'
const wireVersion = 1

export interface GroupMessage {
  readonly group: number
  readonly message: Message
}

export interface RaftBatchBody {
  readonly v: number
  readonly from: string
  readonly msgs: unknown[]
}

export function encodeRaftBatch(from: string, msgs: readonly GroupMessage[]): RaftBatchBody {
  return {
    v: wireVersion,
    from,
    msgs: msgs.map(({ group, message: m }) => [
      group, messageTypes.indexOf(m.type), m.from, m.to, m.term, m.logTerm, m.index, m.commit,
      m.reject ? 1 : 0, m.rejectHint, m.round, m.context,
      m.entries.map((e) => [e.term, e.index, e.data]),
    ]),
  }
}

function bad(what: string): ShoalError {
  return new ShoalError('protocol', `raft.batch: ${what}`)
}

const { uint, bytes } = wireFields(bad)

function decodeEntry(raw: unknown): Entry {
  if (!Array.isArray(raw) || raw.length !== 3) throw bad('entry must be [term, index, data]')
  return { term: uint(raw[0], 'entry term'), index: uint(raw[1], 'entry index'), type: 'normal',
    data: bytes(raw[2], 'entry data') }
}

function decodeMessage(raw: unknown): GroupMessage {
  if (!Array.isArray(raw) || raw.length !== 13) throw bad('message must be a 13-field array')
  const type: MessageType | undefined = messageTypes[uint(raw[1], 'type')]
  if (type === undefined || type === 'snap') throw bad(`unknown message type ${String(raw[1])}`)
  const entries = raw[12]
  if (!Array.isArray(entries)) throw bad('entries must be an array')
  return {
    group: uint(raw[0], 'group'),
    message: message({
      type,
      from: uint(raw[2], 'from'),
      to: uint(raw[3], 'to'),
      term: uint(raw[4], 'term'),
      logTerm: uint(raw[5], 'logTerm'),
      index: uint(raw[6], 'index'),
      commit: uint(raw[7], 'commit'),
      reject: uint(raw[8], 'reject') === 1,
      rejectHint: uint(raw[9], 'rejectHint'),
      round: uint(raw[10], 'round'),
      context: bytes(raw[11], 'context'),
      entries: entries.map(decodeEntry),
    }),
  }
}

/** Parses a received body; anything malformed is a `protocol` ShoalError. */
export function decodeRaftBatch(body: unknown): { from: string; msgs: GroupMessage[] } {
  if (typeof body !== 'object' || body === null) throw bad('body must be an object')
  const { v, from, msgs } = body as Partial<RaftBatchBody>
  if (v !== wireVersion) throw bad(`unsupported version ${String(v)}`)
  if (typeof from !== 'string') throw bad('from must be a node id')
  if (!Array.isArray(msgs)) throw bad('msgs must be an array')
  return { from, msgs: msgs.map(decodeMessage) }
}
