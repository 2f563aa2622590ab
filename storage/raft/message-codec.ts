/**
 * The wire format of Raft messages (the storage node sends these between replicas over TCP,
 * inside its own framing, which carries the length and checksum). All integers are unsigned
 * LEB128 varints (v) unless marked; ids, terms and indexes fit in 2^53.
 *
 *   message:
 *   +--------+---------+----------+--------+------+--------+-----------+---------+
 *   | ver u8 | type u8 | flags u8 | from v | to v | term v | logTerm v | index v |
 *   +--------+---------+----------+--------+------+--------+-----------+---------+
 *   | commit v | rejectHint v | round v | context (len v, bytes) | count v | entry * count |
 *   +----------+--------------+---------+------------------------+---------+---------------+
 *   | snapshot (only if flags & 2) |
 *   +------------------------------+
 *   flags: bit 0 reject, bit 1 snapshot present; other bits must be 0. ver = 1.
 *   type: index into messageTypes (frozen order: app=0 ... read-index-resp=12).
 *
 *   entry:    | term v | index v | kind u8 (0 normal, 1 conf-change) | data (len v, bytes) |
 *   snapshot: | index v | term v | voters: count v, id v * count | learners: likewise |
 *             | data (len v, bytes) |
 *
 * Decoding never trusts the input: an unknown version, type, flag or kind, truncation, or
 * trailing bytes raise a ShoalError with code 'protocol'. Decoded byte fields are views into
 * the input buffer; copy them if the buffer is reused.
 */
import { ByteReader } from '../../shared/codecs/byte-reader.ts'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { ShoalError, isShoalError } from '../../shared/errors.ts'
import type { Entry, Message, NodeId, Snapshot } from './messages.ts'
import { messageTypes } from './messages.ts'

const VERSION = 1
const FLAG_REJECT = 1
const FLAG_SNAPSHOT = 2

export function encodeMessage(m: Message, writer = new ByteWriter(64)): Uint8Array {
  writer.reset()
  const flags = (m.reject ? FLAG_REJECT : 0) | (m.snapshot !== null ? FLAG_SNAPSHOT : 0)
  writer.writeU8(VERSION).writeU8(messageTypes.indexOf(m.type)).writeU8(flags)
  writer.writeVarint(m.from).writeVarint(m.to).writeVarint(m.term)
  writer.writeVarint(m.logTerm).writeVarint(m.index).writeVarint(m.commit)
  writer.writeVarint(m.rejectHint).writeVarint(m.round).writeLengthPrefixed(m.context)
  writer.writeVarint(m.entries.length)
  for (const entry of m.entries) {
    writer.writeVarint(entry.term).writeVarint(entry.index)
    writer.writeU8(entry.type === 'normal' ? 0 : 1).writeLengthPrefixed(entry.data)
  }
  if (m.snapshot !== null) encodeSnapshot(writer, m.snapshot)
  return writer.finish()
}

function encodeSnapshot(writer: ByteWriter, snapshot: Snapshot): void {
  const { index, term, confState } = snapshot.metadata
  writer.writeVarint(index).writeVarint(term)
  writer.writeVarint(confState.voters.length)
  for (const id of confState.voters) writer.writeVarint(id)
  writer.writeVarint(confState.learners.length)
  for (const id of confState.learners) writer.writeVarint(id)
  writer.writeLengthPrefixed(snapshot.data)
}

function protocol(what: string): ShoalError {
  return new ShoalError('protocol', `raft message: ${what}`)
}

export function decodeMessage(bytes: Uint8Array): Message {
  try {
    return decodeUnchecked(new ByteReader(bytes, 'raft message'))
  } catch (error) {
    if (isShoalError(error, 'corruption')) throw protocol(error.message)
    throw error
  }
}

function decodeUnchecked(r: ByteReader): Message {
  const version = r.readU8()
  if (version !== VERSION) throw protocol(`unknown version ${version}`)
  const typeCode = r.readU8()
  const type = messageTypes[typeCode]
  if (type === undefined) throw protocol(`unknown type ${typeCode}`)
  const flags = r.readU8()
  if ((flags & ~(FLAG_REJECT | FLAG_SNAPSHOT)) !== 0) throw protocol(`unknown flags ${flags}`)
  const from = r.readVarint()
  const to = r.readVarint()
  const term = r.readVarint()
  const logTerm = r.readVarint()
  const index = r.readVarint()
  const commit = r.readVarint()
  const rejectHint = r.readVarint()
  const round = r.readVarint()
  const context = r.readLengthPrefixed()
  const entries = decodeEntries(r)
  const snapshot = (flags & FLAG_SNAPSHOT) !== 0 ? decodeSnapshot(r) : null
  if (r.remaining !== 0) throw protocol(`${r.remaining} trailing bytes`)
  const reject = (flags & FLAG_REJECT) !== 0
  return { type, from, to, term, logTerm, index, entries, commit, reject, rejectHint, round,
    context, snapshot }
}

function decodeEntries(r: ByteReader): Entry[] {
  const count = r.readVarint()
  // Each entry takes at least 4 bytes, so a huge count in a short buffer is caught up front.
  if (count > r.remaining / 4) throw protocol(`entry count ${count} exceeds the buffer`)
  const entries: Entry[] = []
  for (let i = 0; i < count; i++) {
    const term = r.readVarint()
    const index = r.readVarint()
    const kind = r.readU8()
    if (kind > 1) throw protocol(`unknown entry kind ${kind}`)
    const data = r.readLengthPrefixed()
    entries.push({ term, index, type: kind === 0 ? 'normal' : 'conf-change', data })
  }
  return entries
}

function decodeIds(r: ByteReader): NodeId[] {
  const count = r.readVarint()
  if (count > r.remaining) throw protocol(`id count ${count} exceeds the buffer`)
  const ids: NodeId[] = []
  for (let i = 0; i < count; i++) ids.push(r.readVarint())
  return ids
}

function decodeSnapshot(r: ByteReader): Snapshot {
  const index = r.readVarint()
  const term = r.readVarint()
  const voters = decodeIds(r)
  const learners = decodeIds(r)
  const data = r.readLengthPrefixed()
  return { metadata: { index, term, confState: { voters, learners } }, data }
}
