// Raft log record format: pins every record kind to known-answer bytes (so a format change
// fails loudly), checks the CRC with an independent bitwise CRC32C, and round-trips random
// records with fast-check; malformed and torn inputs give typed results, never garbage.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { crc32c } from '../../shared/codecs/crc32c.ts'
import { utf8 } from '../../shared/codecs/bytes.ts'
import { isShoalError } from '../../shared/errors.ts'
import type { LogRecord } from './record.ts'
import {
  decodeEntry,
  decodeRecord,
  encodeRecord,
  encodedRecordBytes,
  entryChecksum,
  entryHeaderBytes,
  recordKindCodes,
} from './record.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'))

function encode(record: LogRecord): Uint8Array {
  const writer = new ByteWriter()
  encodeRecord(writer, record)
  return writer.finish()
}

/** Bitwise CRC32C (reflected 0x82f63b78), independent of the native one. */
function slowCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

const vectors: Array<[LogRecord, string]> = [
  [{ kind: 'segment-header', segmentId: 1 }, 'dab2c9500f000000015348524c01000100000000000000'],
  [
    {
      kind: 'entries',
      shardId: 7,
      firstIndex: 5,
      entries: [
        { term: 2, data: utf8('ab') },
        { term: 3, data: new Uint8Array(0) },
      ],
    },
    '244b99c83300000002070000000500000000000000020000000200000000000000020000001b009f7b61' +
      '62030000000000000000000000e01bdf5c',
  ],
  [
    { kind: 'hard-state', shardId: 7, hardState: { term: 3, vote: 2, commit: 5 } },
    'e1a784f81d0000000307000000030000000000000002000000000000000500000000000000',
  ],
  [
    { kind: 'truncate-suffix', shardId: 7, fromIndex: 6 },
    '06c2f0ed0d00000004070000000600000000000000',
  ],
  [
    { kind: 'compact-prefix', shardId: 7, index: 4, term: 1 },
    'fd93125115000000050700000004000000000000000100000000000000',
  ],
  [
    { kind: 'rewrite-begin', shardId: 7, index: 4, term: 1 },
    'ca150c4615000000060700000004000000000000000100000000000000',
  ],
  [{ kind: 'rewrite-end', shardId: 7, recordCount: 3 }, '7f6aef5009000000070700000003000000'],
]

const entryArb = fc.record({
  term: fc.nat({ max: 1_000_000 }),
  data: fc.uint8Array({ maxLength: 64 }),
})
const recordArb: fc.Arbitrary<LogRecord> = fc.oneof(
  fc.record({ kind: fc.constant('segment-header' as const), segmentId: fc.nat() }),
  fc.record({
    kind: fc.constant('entries' as const),
    shardId: fc.nat(),
    firstIndex: fc.nat(),
    entries: fc.array(entryArb, { maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('hard-state' as const),
    shardId: fc.nat(),
    hardState: fc.record({ term: fc.nat(), vote: fc.nat(), commit: fc.nat() }),
  }),
  fc.record({
    kind: fc.constant('truncate-suffix' as const),
    shardId: fc.nat(),
    fromIndex: fc.nat(),
  }),
  fc.record({
    kind: fc.constantFrom('compact-prefix' as const, 'rewrite-begin' as const),
    shardId: fc.nat(),
    index: fc.nat(),
    term: fc.nat(),
  }),
  fc.record({
    kind: fc.constant('rewrite-end' as const),
    shardId: fc.nat(),
    recordCount: fc.nat(),
  }),
)

describe('raftlog record', () => {
  it('record: kind codes: are frozen', () => {
    expect(recordKindCodes).toEqual({
      'segment-header': 1,
      entries: 2,
      'hard-state': 3,
      'truncate-suffix': 4,
      'compact-prefix': 5,
      'rewrite-begin': 6,
      'rewrite-end': 7,
    })
  })

  it('record: known-answer vectors: encode to the pinned bytes and decode back', () => {
    for (const [record, bytes] of vectors) {
      const encoded = encode(record)
      expect(hex(encoded), record.kind).toBe(bytes)
      expect(encodedRecordBytes(record)).toBe(encoded.length)
      const stored = new DataView(encoded.buffer).getUint32(0, true)
      expect(stored).toBe(slowCrc32c(encoded.subarray(4)))
      const decoded = decodeRecord(fromHex(bytes), 0, 'vector')
      expect(decoded.status).toBe('ok')
      if (decoded.status === 'ok') expect(hex(encode(decoded.record))).toBe(bytes)
    }
  })

  it('record: entry checksum: seeded by index, term, length as little-endian u64, u64, u32', () => {
    const data = utf8('payload')
    for (const [index, term] of [[1, 1], [2 ** 32 + 7, 3], [2 ** 53 - 1, 2 ** 40 + 1]] as const) {
      const header = new ByteWriter(20).writeU64(index).writeU64(term).writeU32(data.length)
      const expected = crc32c(data, crc32c(header.view()))
      expect(entryChecksum(index, term, data)).toBe(expected)
    }
  })

  it('record: random records: round-trip and report their size', () => {
    fc.assert(
      fc.property(recordArb, (record) => {
        const bytes = encode(record)
        expect(encodedRecordBytes(record)).toBe(bytes.length)
        const decoded = decodeRecord(bytes, 0, 'prop')
        expect(decoded.status).toBe('ok')
        if (decoded.status === 'ok') {
          expect(decoded.sizeBytes).toBe(bytes.length)
          expect(hex(encode(decoded.record))).toBe(hex(bytes))
        }
      }),
      { numRuns: 300 },
    )
  })

  it('record: every prefix of a record: is incomplete, never an error', () => {
    const bytes = encode(vectors[1]![0])
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(decodeRecord(bytes.subarray(0, cut), 0, 'cut').status).toBe('incomplete')
    }
  })

  it('record: one bit flipped anywhere: is detected as invalid or incomplete', () => {
    const bytes = encode(vectors[1]![0])
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice()
      flipped[bit >> 3]! ^= 1 << (bit & 7)
      expect(['invalid', 'incomplete']).toContain(decodeRecord(flipped, 0, 'flip').status)
    }
  })

  it('record: checksum-valid but malformed payload: corruption naming source and offset', () => {
    const writer = new ByteWriter()
    writer.writeU32(0).writeU32(3).writeU8(2).writeU16(9) // entries kind, 2-byte payload
    writer.patchU32(0, slowCrc32c(writer.view().subarray(4)))
    const error = (() => {
      try {
        decodeRecord(writer.finish(), 0, 'seg.log')
      } catch (caught) {
        return caught
      }
      return undefined
    })()
    expect(isShoalError(error, 'corruption')).toBe(true)
    expect(String(error)).toMatch(/seg\.log at offset 0/)
  })

  it('record: entry read back by offset: verifies index, term and data', () => {
    const record = vectors[1]![0]
    const bytes = encode(record)
    const entry = bytes.subarray(8 + 1 + 16, 8 + 1 + 16 + entryHeaderBytes + 2)
    expect(decodeEntry(entry, 5, 'f', 25).term).toBe(2)
    expect(() => decodeEntry(entry, 6, 'f', 25)).toThrow(/entry 6 checksum mismatch in f/)
    const flipped = entry.slice()
    flipped[entryHeaderBytes]! ^= 4
    expect(() => decodeEntry(flipped, 5, 'f', 25)).toThrow(/checksum mismatch/)
  })
})
