/**
 * The node's LSM key layout. One LSM holds every group replica of the node, so every key
 * starts with its group (shard) id, big-endian, and a group's keys are one contiguous range:
 *
 *   data:  u32be group | encodeRawItemKey({ table: u64be tableId, partitionKey, sortKey })
 *   meta:  u32be group | ff | name            (applied index, catalog state, snapshot state)
 *
 * A table id is a Raft index (< 2^53), so its u64be form starts with 00, which the item-key
 * escape turns into 00 ff: a data key's fifth byte is always 00 and never collides with meta.
 * One partition's items are a contiguous range, ordered by sort key.
 *
 * Stored value: lp contentType (varint length) | value bytes. The item's LSM timestamp is the
 * command's timestamp, its version the Raft index of the entry that wrote it.
 */
import { ByteReader } from '../../shared/codecs/byte-reader.ts'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { fromUtf8, utf8 } from '../../shared/codecs/bytes.ts'
import { ShoalError } from '../../shared/errors.ts'
import { encodeRawItemKey } from '../../shared/keys/item-key.ts'
import type { ItemRef } from './command.ts'

const metaMarker = 0xff
const appliedName = utf8('applied')
const catalogName = utf8('catalog')
const snapshotName = utf8('snapshot')
const ingestName = utf8('snapshot-ingest')

export function groupPrefix(group: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, group)
  return out
}

/** The exclusive end of a group's key range. */
export function groupEnd(group: number): Uint8Array {
  if (group === 0xffffffff) return new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])
  return groupPrefix(group + 1)
}

/** Scratch for a table id's u64be form: dataKey runs on every write and read, on every replica. */
const tableIdScratch = new Uint8Array(8)

/** A safe integer as u64 big-endian into tableIdScratch (no BigInt, no DataView). */
function tableBytes(tableId: number): Uint8Array {
  const high = Math.floor(tableId / 0x1_0000_0000)
  const low = tableId >>> 0
  const out = tableIdScratch
  out[0] = high >>> 24
  out[1] = (high >>> 16) & 0xff
  out[2] = (high >>> 8) & 0xff
  out[3] = high & 0xff
  out[4] = low >>> 24
  out[5] = (low >>> 16) & 0xff
  out[6] = (low >>> 8) & 0xff
  out[7] = low & 0xff
  return out
}

/** u32be group | item key, in one allocation. */
export function dataKey(group: number, ref: ItemRef): Uint8Array {
  const out = encodeRawItemKey({ table: tableBytes(ref.tableId),
    partitionKey: ref.partitionKey, sortKey: ref.sortKey }, 4)
  out[0] = group >>> 24
  out[1] = (group >>> 16) & 0xff
  out[2] = (group >>> 8) & 0xff
  out[3] = group & 0xff
  return out
}

/** Every item of one partition starts with this; the sort key follows raw. */
export function partitionPrefix(group: number, tableId: number, partitionKey: Uint8Array):
  Uint8Array {
  return dataKey(group, { tableId, partitionKey, sortKey: new Uint8Array(0) })
}

function metaKey(group: number, name: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + name.length)
  new DataView(out.buffer).setUint32(0, group)
  out[4] = metaMarker
  out.set(name, 5)
  return out
}

export function appliedKey(group: number): Uint8Array {
  return metaKey(group, appliedName)
}

export function catalogKey(group: number): Uint8Array {
  return metaKey(group, catalogName)
}

/** (index, term) of the last snapshot installed into this group's range (snapshots.ts). */
export function snapshotKey(group: number): Uint8Array {
  return metaKey(group, snapshotName)
}

/** Present while a snapshot ingest may have left the group's range partial (snapshots.ts). */
export function ingestKey(group: number): Uint8Array {
  return metaKey(group, ingestName)
}

/** Meta keys that describe this replica, not the replicated state: snapshots skip them. */
export function isReplicaMetaKey(key: Uint8Array, group: number): boolean {
  return [appliedKey(group), snapshotKey(group), ingestKey(group)]
    .some((meta) => meta.length === key.length && meta.every((b, i) => b === key[i]))
}

export function encodeIndexTerm(index: number, term: number): Uint8Array {
  return new ByteWriter(16).writeU64(index).writeU64(term).finish()
}

export function decodeIndexTerm(bytes: Uint8Array): { index: number; term: number } {
  const reader = new ByteReader(bytes, 'snapshot index and term')
  return { index: reader.readU64(), term: reader.readU64() }
}

export function isMetaKey(key: Uint8Array): boolean {
  return key.length >= 5 && key[4] === metaMarker
}

/** The table id of a data key, or undefined for meta keys. */
/**
 * Reads the table id in place: it runs for every LSM read and write (retention is per table),
 * so it must not decode the whole item key. The table field is the 8-byte big-endian id
 * escaped as in shared/keys/item-key.ts (00 -> 00 ff), ended by 00 01.
 */
export function tableIdOfKey(key: Uint8Array): number | undefined {
  if (key.length < 5 || isMetaKey(key)) return undefined
  let id = 0
  let bytes = 0
  for (let i = 4; i < key.length; i++) {
    let byte = key[i]!
    if (byte === 0x00) {
      const second = key[++i]
      if (second === 0x01) return bytes === 8 ? id : badTableId()
      if (second !== 0xff) return badTableId()
      byte = 0
    }
    id = id * 256 + byte
    bytes++
  }
  return badTableId()
}

function badTableId(): never {
  throw new ShoalError('corruption', 'data key with a bad table id')
}

/** UTF-8 of recent content types: a handful of strings repeat across nearly every write. */
const contentTypeBytes = new Map<string, Uint8Array>()
const contentTypesCached = 64

/** Runs once per applied write on every replica: one exact allocation, no second copy. */
export function encodeStoredValue(contentType: string, value: Uint8Array): Uint8Array {
  let type = contentTypeBytes.get(contentType)
  if (type === undefined) {
    type = utf8(contentType)
    if (contentTypeBytes.size >= contentTypesCached) contentTypeBytes.clear()
    contentTypeBytes.set(contentType, type)
  }
  // varint(type length) as ByteWriter.writeLengthPrefixed writes it, the type, the value.
  let head = 1
  for (let rest = type.length; rest >= 0x80; rest = Math.floor(rest / 0x80)) head++
  const out = new Uint8Array(head + type.length + value.length)
  let at = 0
  for (let rest = type.length; ; rest = Math.floor(rest / 0x80)) {
    if (rest < 0x80) {
      out[at++] = rest
      break
    }
    out[at++] = (rest % 0x80) | 0x80
  }
  out.set(type, at)
  out.set(value, at + type.length)
  return out
}

export function decodeStoredValue(stored: Uint8Array): { contentType: string; value: Uint8Array } {
  const reader = new ByteReader(stored, 'stored value')
  const contentType = fromUtf8(reader.readLengthPrefixed())
  return { contentType, value: reader.readBytes(reader.remaining) }
}

export function encodeIndex(index: number): Uint8Array {
  return new ByteWriter(8).writeU64(index).finish()
}

export function decodeIndex(bytes: Uint8Array): number {
  return new ByteReader(bytes, 'applied index').readU64()
}

/**
 * A 32-bit FNV-1a hash of a key: equal keys hash equal, so a set of hashes finds every repeat
 * (and, rarely, a false one, which a caller must be able to afford).
 */
export function keyHash32(key: Uint8Array): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key[i]!, 0x01000193)
  return hash >>> 0
}
