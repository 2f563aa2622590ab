/**
 * Raft log records: the on-disk format of the node's shared raft log (one log for every shard
 * replica on the node). A segment file is a sequence of records; the first is a segment header.
 *
 * Record (all integers little-endian):
 *
 *   0         4              8        9
 *   +---------+--------------+--------+--------------------------+
 *   | u32 crc | u32 bodyBytes| u8 kind| payload (bodyBytes - 1)  |
 *   +---------+--------------+--------+--------------------------+
 *   crc = crc32c(bodyBytes field ‖ kind ‖ payload): a flipped length bit fails the check too.
 *
 * Payloads by kind. The numeric codes are part of the file format and must never change:
 *
 *   1 segment-header  | u32 magic 0x4c524853 "SHRL" | u16 version 1 | u64 segmentId |
 *   2 entries         | u32 shardId | u64 firstIndex | u32 count | count x entry |
 *       entry         | u64 term | u32 dataBytes | u32 entryCrc | data |
 *       entryCrc = crc32c(data, seed = crc32c(u64 index ‖ u64 term ‖ u32 dataBytes)), so an entry
 *       read back alone by offset is verified, and one read at the wrong index fails.
 *   3 hard-state      | u32 shardId | u64 term | u64 vote | u64 commit |
 *   4 truncate-suffix | u32 shardId | u64 fromIndex |        entries >= fromIndex are gone
 *   5 compact-prefix  | u32 shardId | u64 index | u64 term | snapshot marker: entries <= index
 *       are gone; if the log does not hold (index, term), the whole log is replaced by it
 *   6 rewrite-begin   | u32 shardId | u64 index | u64 term | GC copy of a shard: reset to
 *       an empty log after (index, term); the copied entries and hard state follow
 *   7 rewrite-end     | u32 shardId | u32 recordCount |     the copy is complete (recordCount
 *       counts begin..end), so recovery may ignore everything of that shard before the begin
 *
 * Why the entry has its own checksum: readers fetch single entries by offset (no whole record
 * in hand), and a bit flipped after recovery must still be caught before an entry is served.
 */
import { assert } from '../../shared/assert.ts'
import { ByteReader } from '../../shared/codecs/byte-reader.ts'
import type { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { crc32c } from '../../shared/codecs/crc32c.ts'
import { ShoalError, corruption, isShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'

export const recordKindCodes = {
  'segment-header': 1,
  entries: 2,
  'hard-state': 3,
  'truncate-suffix': 4,
  'compact-prefix': 5,
  'rewrite-begin': 6,
  'rewrite-end': 7,
} as const

export type RecordKind = keyof typeof recordKindCodes

export const recordHeaderBytes = 8
export const entryHeaderBytes = 16
export const segmentMagic = 0x4c524853
export const segmentFormatVersion = 1

export interface HardState {
  readonly term: number
  readonly vote: number
  readonly commit: number
}

export interface RecordEntry {
  readonly term: number
  readonly data: Uint8Array
}

export type LogRecord =
  | { readonly kind: 'segment-header'; readonly segmentId: number }
  | {
      readonly kind: 'entries'
      readonly shardId: number
      readonly firstIndex: number
      readonly entries: readonly RecordEntry[]
    }
  | { readonly kind: 'hard-state'; readonly shardId: number; readonly hardState: HardState }
  | { readonly kind: 'truncate-suffix'; readonly shardId: number; readonly fromIndex: number }
  | {
      readonly kind: 'compact-prefix' | 'rewrite-begin'
      readonly shardId: number
      readonly index: number
      readonly term: number
    }
  | { readonly kind: 'rewrite-end'; readonly shardId: number; readonly recordCount: number }

const kindsByCode = new Map<number, RecordKind>(
  Object.entries(recordKindCodes).map(([kind, code]) => [code, kind as RecordKind]),
)

/** Scratch for entrySeed (computed for every entry written and read): no allocation each. */
const seedBytes = new Uint8Array(20)
const seedView = new DataView(seedBytes.buffer)

function entrySeed(index: number, term: number, dataBytes: number): number {
  // The same little-endian layout ByteWriter.writeU64/writeU32 produce.
  seedView.setUint32(0, index % 0x1_0000_0000, true)
  seedView.setUint32(4, Math.floor(index / 0x1_0000_0000), true)
  seedView.setUint32(8, term % 0x1_0000_0000, true)
  seedView.setUint32(12, Math.floor(term / 0x1_0000_0000), true)
  seedView.setUint32(16, dataBytes, true)
  return crc32c(seedBytes)
}

/** The checksum stored in an entry's header. */
export function entryChecksum(index: number, term: number, data: Uint8Array): number {
  return crc32c(data, entrySeed(index, term, data.length))
}

/**
 * Appends one record to `writer`. Returns the writer positions where each entry's header
 * starts (entries records only), so the caller can index entries by file offset.
 */
export function encodeRecord(writer: ByteWriter, record: LogRecord): number[] {
  const start = writer.length
  writer.writeU32(0).writeU32(0).writeU8(recordKindCodes[record.kind])
  const entryPositions: number[] = []
  switch (record.kind) {
    case 'segment-header':
      writer.writeU32(segmentMagic).writeU16(segmentFormatVersion).writeU64(record.segmentId)
      break
    case 'entries':
      writer.writeU32(record.shardId).writeU64(record.firstIndex).writeU32(record.entries.length)
      record.entries.forEach((entry, i) => {
        entryPositions.push(writer.length)
        const checksum = entryChecksum(record.firstIndex + i, entry.term, entry.data)
        writer.writeU64(entry.term).writeU32(entry.data.length).writeU32(checksum)
        writer.writeBytes(entry.data)
      })
      break
    case 'hard-state': {
      const { term, vote, commit } = record.hardState
      writer.writeU32(record.shardId).writeU64(term).writeU64(vote).writeU64(commit)
      break
    }
    case 'truncate-suffix':
      writer.writeU32(record.shardId).writeU64(record.fromIndex)
      break
    case 'compact-prefix':
    case 'rewrite-begin':
      writer.writeU32(record.shardId).writeU64(record.index).writeU64(record.term)
      break
    case 'rewrite-end':
      writer.writeU32(record.shardId).writeU32(record.recordCount)
      break
  }
  const bodyBytes = writer.length - start - recordHeaderBytes
  assert(bodyBytes <= limits.raftLogRecordBytesMax, `record of ${bodyBytes} bytes over the limit`)
  writer.patchU32(start + 4, bodyBytes)
  writer.patchU32(start, crc32c(writer.view().subarray(start + 4)))
  return entryPositions
}

/** Bytes one record takes on disk, computed without encoding it. */
export function encodedRecordBytes(record: LogRecord): number {
  const framing = recordHeaderBytes + 1
  switch (record.kind) {
    case 'segment-header':
      return framing + 14
    case 'entries': {
      let bytes = framing + 16
      for (const entry of record.entries) bytes += entryHeaderBytes + entry.data.length
      return bytes
    }
    case 'hard-state':
      return framing + 28
    case 'truncate-suffix':
      return framing + 12
    case 'compact-prefix':
    case 'rewrite-begin':
      return framing + 20
    case 'rewrite-end':
      return framing + 8
  }
}

export type DecodeResult =
  | { readonly status: 'ok'; readonly record: LogRecord; readonly sizeBytes: number }
  /** The record runs past the end of the bytes: a torn tail, if nothing valid follows. */
  | { readonly status: 'incomplete' }
  /** Length out of range or checksum mismatch. */
  | { readonly status: 'invalid'; readonly reason: string }

/**
 * Decodes the record at `offset`. A record whose checksum matches but whose payload does not
 * parse is never a torn write: that throws a corruption error naming `source` and the offset.
 * Entry data in the result are views into `bytes`.
 */
export function decodeRecord(bytes: Uint8Array, offset: number, source: string): DecodeResult {
  if (bytes.length - offset < recordHeaderBytes) return { status: 'incomplete' }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, recordHeaderBytes)
  const storedCrc = view.getUint32(0, true)
  const bodyBytes = view.getUint32(4, true)
  if (bodyBytes < 1 || bodyBytes > limits.raftLogRecordBytesMax) {
    return { status: 'invalid', reason: `record length ${bodyBytes} out of range` }
  }
  const end = offset + recordHeaderBytes + bodyBytes
  if (end > bytes.length) return { status: 'incomplete' }
  if (crc32c(bytes.subarray(offset + 4, end)) !== storedCrc) {
    return { status: 'invalid', reason: 'record checksum mismatch' }
  }
  const kind = kindsByCode.get(bytes[offset + recordHeaderBytes]!)
  if (kind === undefined) throw corruption(source, offset, 'unknown record kind')
  const body = bytes.subarray(offset + recordHeaderBytes + 1, end)
  const reader = new ByteReader(body, source)
  let record: LogRecord
  try {
    record = decodePayload(kind, reader)
  } catch (error) {
    if (!isShoalError(error, 'corruption')) throw error
    throw corruption(source, offset, `malformed ${kind} record (${error.message})`)
  }
  if (reader.remaining !== 0) throw corruption(source, offset, `trailing bytes in ${kind}`)
  return { status: 'ok', record, sizeBytes: end - offset }
}

function decodePayload(kind: RecordKind, reader: ByteReader): LogRecord {
  switch (kind) {
    case 'segment-header': {
      const magic = reader.readU32()
      const version = reader.readU16()
      const segmentId = reader.readU64()
      if (magic !== segmentMagic) throw new ShoalError('corruption', 'bad segment magic')
      if (version !== segmentFormatVersion) {
        throw new ShoalError('corruption', `unknown segment format version ${version}`)
      }
      return { kind, segmentId }
    }
    case 'entries': {
      const shardId = reader.readU32()
      const firstIndex = reader.readU64()
      const count = reader.readU32()
      const entries: RecordEntry[] = []
      for (let i = 0; i < count; i++) {
        const term = reader.readU64()
        const dataBytes = reader.readU32()
        reader.skip(4) // entryCrc: covered by the record checksum here; checked on reads
        entries.push({ term, data: reader.readBytes(dataBytes) })
      }
      return { kind, shardId, firstIndex, entries }
    }
    case 'hard-state': {
      const shardId = reader.readU32()
      const hardState = { term: reader.readU64(), vote: reader.readU64(), commit: reader.readU64() }
      return { kind, shardId, hardState }
    }
    case 'truncate-suffix':
      return { kind, shardId: reader.readU32(), fromIndex: reader.readU64() }
    case 'compact-prefix':
    case 'rewrite-begin':
      return { kind, shardId: reader.readU32(), index: reader.readU64(), term: reader.readU64() }
    case 'rewrite-end':
      return { kind, shardId: reader.readU32(), recordCount: reader.readU32() }
  }
}

/**
 * Verifies and decodes one entry read back by offset: `bytes` holds its 16-byte header and
 * data. Throws a corruption error naming the file and offset on any mismatch.
 */
export function decodeEntry(
  bytes: Uint8Array,
  index: number,
  source: string,
  fileOffset: number,
): RecordEntry {
  const reader = new ByteReader(bytes, source)
  if (bytes.length < entryHeaderBytes) throw corruption(source, fileOffset, 'short entry read')
  const term = reader.readU64()
  const dataBytes = reader.readU32()
  const checksum = reader.readU32()
  if (dataBytes !== bytes.length - entryHeaderBytes) {
    throw corruption(source, fileOffset, `entry ${index} length mismatch`)
  }
  const data = reader.readBytes(dataBytes)
  if (entryChecksum(index, term, data) !== checksum) {
    throw corruption(source, fileOffset, `entry ${index} checksum mismatch`)
  }
  return { term, data }
}
