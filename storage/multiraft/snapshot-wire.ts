/**
 * The `raft.installSnapshot` wire format: one chunk of a snapshot stream, leader to follower,
 * as a request/response RPC body (msgpack), so the leader sends the next chunk only after the
 * follower stored this one (bounded memory on both sides, one chunk in flight per stream).
 *
 *   body = { v: 1, from, group, transfer, index, term, leaderTerm, offset, done, crc,
 *            items: [[key, value, timestamp, version, expiresAtMs(, deleted)], ...] }
 *
 * An item with a sixth element `1` is a deletion marker: the receiver writes a tombstone with
 * its stamp, which hides the older versions it may hold of that key (as it hides them on the
 * sender). Live items keep five elements, so their encoding and checksum are unchanged.
 *
 * `transfer` names one stream; `offset` is the number of item bytes sent before this chunk
 * (itemBytes), so a lost, repeated or reordered chunk is refused; `crc` is a CRC32C over the
 * chunk's items (itemsCrc), so a corrupted chunk is refused before it touches the LSM. Every
 * chunk repeats the header (index, term, leaderTerm): a follower checks it against the stream.
 *
 * `raft.requestSnapshot` (one-way, follower to leader): { v: 1, from, group } asks the group's
 * leader for a fresh stream (a follower whose earlier ingest was cut short).
 */
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { crc32c } from '../../shared/codecs/crc32c.ts'
import { ShoalError } from '../../shared/errors.ts'
import { wireFields } from './wire-fields.ts'

export const installSnapshotMethod = 'raft.installSnapshot'
export const requestSnapshotMethod = 'raft.requestSnapshot'
const wireVersion = 1

/** One stored version of one LSM key, as a snapshot carries it. */
export interface SnapshotItem {
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly timestamp: number
  readonly version: number
  readonly expiresAtMs: number
  /** A deletion marker: the key was deleted at this stamp (its value is empty). */
  readonly deleted?: boolean
}

export interface SnapshotHeader {
  readonly from: string
  readonly group: number
  readonly transfer: string
  /** The snapshot's applied index and its term. */
  readonly index: number
  readonly term: number
  readonly leaderTerm: number
}

export interface SnapshotChunk extends SnapshotHeader {
  readonly offset: number
  readonly done: boolean
  readonly items: readonly SnapshotItem[]
}

/** The bytes an item counts for in offsets and chunk budgets (data plus its 24-byte stamp). */
export function itemBytes(item: SnapshotItem): number {
  return item.key.length + item.value.length + 24
}

export function itemsCrc(items: readonly SnapshotItem[]): number {
  let crc = 0
  for (const item of items) {
    const stamp = new ByteWriter(32)
      .writeU32(item.key.length)
      .writeU64(item.timestamp)
      .writeU64(item.version)
      .writeU64(item.expiresAtMs)
    if (item.deleted === true) stamp.writeU8(1)
    crc = crc32c(stamp.view(), crc)
    crc = crc32c(item.key, crc)
    crc = crc32c(item.value, crc)
  }
  return crc >>> 0
}

export function encodeSnapshotChunk(chunk: SnapshotChunk): Record<string, unknown> {
  return {
    v: wireVersion,
    from: chunk.from,
    group: chunk.group,
    transfer: chunk.transfer,
    index: chunk.index,
    term: chunk.term,
    leaderTerm: chunk.leaderTerm,
    offset: chunk.offset,
    done: chunk.done,
    crc: itemsCrc(chunk.items),
    items: chunk.items.map((i) => i.deleted === true
      ? [i.key, i.value, i.timestamp, i.version, i.expiresAtMs, 1]
      : [i.key, i.value, i.timestamp, i.version, i.expiresAtMs]),
  }
}

function bad(what: string): ShoalError {
  return new ShoalError('protocol', `${installSnapshotMethod}: ${what}`)
}

const { uint, bytes } = wireFields(bad)

function decodeItem(raw: unknown): SnapshotItem {
  if (!Array.isArray(raw) || (raw.length !== 5 && raw.length !== 6)) {
    throw bad('item must be [key, value, timestamp, version, expiresAtMs(, deleted)]')
  }
  if (raw.length === 6 && raw[5] !== 1) throw bad('item deleted flag must be 1')
  const item = {
    key: bytes(raw[0], 'item key'),
    value: bytes(raw[1], 'item value'),
    timestamp: uint(raw[2], 'item timestamp'),
    version: uint(raw[3], 'item version'),
    expiresAtMs: uint(raw[4], 'item expiresAtMs'),
  }
  if (raw.length === 5) return item
  if (item.value.length !== 0) throw bad('a deletion marker carries no value')
  return { ...item, deleted: true }
}

/** Parses and checks a chunk; a malformed one or a checksum mismatch is a `protocol` error. */
export function decodeSnapshotChunk(body: unknown): SnapshotChunk {
  if (typeof body !== 'object' || body === null) throw bad('body must be an object')
  const b = body as Record<string, unknown>
  if (b.v !== wireVersion) throw bad(`unsupported version ${String(b.v)}`)
  if (typeof b.from !== 'string') throw bad('from must be a node id')
  if (typeof b.transfer !== 'string' || b.transfer.length === 0 || b.transfer.length > 64) {
    throw bad('transfer must be a short string')
  }
  if (typeof b.done !== 'boolean') throw bad('done must be a boolean')
  if (!Array.isArray(b.items)) throw bad('items must be an array')
  const items = b.items.map(decodeItem)
  const crc = uint(b.crc, 'crc')
  const actual = itemsCrc(items)
  if (crc !== actual) {
    throw bad(
      `chunk checksum mismatch at offset ${String(b.offset)}: ` + `sent ${crc}, computed ${actual}`,
    )
  }
  return {
    from: b.from,
    group: uint(b.group, 'group'),
    transfer: b.transfer,
    index: uint(b.index, 'index'),
    term: uint(b.term, 'term'),
    leaderTerm: uint(b.leaderTerm, 'leaderTerm'),
    offset: uint(b.offset, 'offset'),
    done: b.done,
    items,
  }
}

export function encodeSnapshotRequest(from: string, group: number): Record<string, unknown> {
  return { v: wireVersion, from, group }
}

export function decodeSnapshotRequest(body: unknown): { from: string; group: number } {
  if (typeof body !== 'object' || body === null) throw bad('request body must be an object')
  const b = body as Record<string, unknown>
  if (b.v !== wireVersion) throw bad(`unsupported request version ${String(b.v)}`)
  if (typeof b.from !== 'string') throw bad('request from must be a node id')
  return { from: b.from, group: uint(b.group, 'request group') }
}
