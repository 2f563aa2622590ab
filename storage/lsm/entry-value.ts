/**
 * Entry value: what an internal key maps to, in memtables, WAL batches and SSTables.
 *
 *   tombstone (kind 0):  (empty)
 *   inline (kind 1):     | expiresAtMs varint (0 = never) | value bytes ...          |
 *   pointer (kind 2):    | expiresAtMs varint | file varint | offset varint | length varint |
 *                        | chunks varint (optional) |
 *
 * A pointer names a value-log record (value-log/record.ts); `length` is the whole record. A
 * chunked value (up to 2 GiB, db.putStream) is `chunks` consecutive records of one file and
 * `length` covers them all.
 */
import { ByteReader } from '../../shared/codecs/byte-reader.ts'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import type { ByteSlab } from './byte-slab.ts'

export interface ValuePointer {
  readonly fileNo: number
  readonly offset: number
  readonly length: number
  /** Chunked value (putStream): this many consecutive records from `offset`; absent = one. */
  readonly chunks?: number
}

function varintBytes(value: number): number {
  let n = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    n++
  }
  return n
}

function putVarint(out: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80
    value = Math.floor(value / 0x80)
  }
  out[at++] = value
  return at
}

/** The inline entry of `value`; `slab` (byte-slab.ts) makes small ones cheap to allocate. */
export function encodeInline(value: Uint8Array, expiresAtMs: number, slab?: ByteSlab): Uint8Array {
  const head = varintBytes(expiresAtMs)
  const out =
    slab === undefined ? new Uint8Array(head + value.length) : slab.alloc(head + value.length)
  putVarint(out, 0, expiresAtMs)
  out.set(value, head)
  return out
}

export function encodePointer(pointer: ValuePointer, expiresAtMs: number): Uint8Array {
  const writer = new ByteWriter(32)
    .writeVarint(expiresAtMs)
    .writeVarint(pointer.fileNo)
    .writeVarint(pointer.offset)
    .writeVarint(pointer.length)
  if (pointer.chunks !== undefined) writer.writeVarint(pointer.chunks)
  return writer.finish()
}

/** The expiry alone (the hot read path: no tuple allocated for the common one-byte case). */
export function expiryOf(entry: Uint8Array, source: string): number {
  if (entry.length === 0) return 0
  const first = entry[0]!
  return first < 0x80 ? first : readExpiry(entry, source)[0]
}

/** Reads the expiry and returns it with the offset of the payload. */
export function readExpiry(entry: Uint8Array, source: string): [number, number] {
  if (entry.length === 0) return [0, 0]
  let value = 0
  let scale = 1
  for (let i = 0; i < 8 && i < entry.length; i++) {
    const byte = entry[i]!
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return [value, i + 1]
    scale *= 0x80
  }
  return new ByteReader(entry, source).readVarint() === value ? [value, 0] : [0, 0]
}

export function inlinePayload(entry: Uint8Array, source: string): Uint8Array {
  const [, at] = readExpiry(entry, source)
  return entry.subarray(at)
}

export function decodePointer(entry: Uint8Array, source: string): ValuePointer {
  const reader = new ByteReader(entry, source)
  reader.readVarint()
  const fileNo = reader.readVarint()
  const offset = reader.readVarint()
  const length = reader.readVarint()
  if (reader.remaining === 0) return { fileNo, offset, length }
  return { fileNo, offset, length, chunks: reader.readVarint() }
}
