// ByteWriter/ByteReader: round-trips every width and varint edge, and overruns are typed errors.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../errors.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter } from './byte-writer.ts'
import { compareBytes, concatBytes } from './bytes.ts'

describe('byte codec', () => {
  it('concatBytes: any parts, views included: their bytes in order, one array', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (parts) => {
        const views = parts.map((p) => new Uint8Array([9, ...p, 9]).subarray(1, p.length + 1))
        const total = parts.reduce((n, p) => n + p.length, 0)
        expect([...concatBytes(views, total)]).toEqual(parts.flatMap((p) => [...p]))
      }),
      { numRuns: 200 },
    )
    expect(() => concatBytes([new Uint8Array(2)], 3)).toThrow(/length mismatch/)
  })

  it('byte codec: every width: round-trips', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.maxSafeNat(),
        fc.maxSafeNat(),
        fc.uint8Array({ maxLength: 300 }),
        (u8, u32, u64, varint, bytes) => {
          const writer = new ByteWriter(1)
          writer.writeU8(u8).writeU32(u32).writeU64(u64).writeVarint(varint)
          writer.writeLengthPrefixed(bytes)
          const reader = new ByteReader(writer.finish())
          expect(reader.readU8()).toBe(u8)
          expect(reader.readU32()).toBe(u32)
          expect(reader.readU64()).toBe(u64)
          expect(reader.readVarint()).toBe(varint)
          expect(Array.from(reader.readLengthPrefixed())).toEqual(Array.from(bytes))
          expect(reader.remaining).toBe(0)
        },
      ),
    )
  })
  it('byte codec: varint vectors: are LEB128', () => {
    expect(Array.from(new ByteWriter().writeVarint(300).finish())).toEqual([0xac, 0x02])
    expect(Array.from(new ByteWriter().writeVarint(0).finish())).toEqual([0])
  })
  it('byte codec: overrun: throws corruption naming the offset', () => {
    const reader = new ByteReader(new Uint8Array([1, 2]), 'test.bin')
    reader.readU8()
    let caught: unknown
    try {
      reader.readU32()
    } catch (error) {
      caught = error
    }
    expect(isShoalError(caught, 'corruption')).toBe(true)
    expect(String(caught)).toContain('offset 1')
  })
  it('byte codec: compareBytes: agrees with lexicographic order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        const expected = Buffer.compare(Buffer.from(a), Buffer.from(b))
        expect(compareBytes(a, b)).toBe(expected)
      }),
    )
  })
})
