// Internal key: a frozen known-answer vector for the trailer layout, and the order every read
// relies on (user key ascending, then timestamp, version and sequence descending), checked on
// examples and as a property against a reference comparator.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  compareInternal,
  decodeInternalKey,
  encodeInternalKey,
  Kind,
  lastKeyFor,
  seekKeyFor,
} from './internal-key.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('internal key', () => {
  it('encode: key "a", ts 1, version 2, seq 3, value: matches the frozen vector', () => {
    const ikey = encodeInternalKey(new Uint8Array([0x61]), 1, 2, 3, Kind.value)
    expect(hex(ikey)).toBe(
      '61' + 'fffffffffffffffe' + 'fffffffffffffffd' + 'fffffffffffffffc' + '01',
    )
    expect(decodeInternalKey(ikey)).toMatchObject({ timestamp: 1, version: 2, seq: 3, kind: 1 })
  })

  it('decode: large safe integers: round-trip', () => {
    const big = Number.MAX_SAFE_INTEGER
    const parts = decodeInternalKey(encodeInternalKey(new Uint8Array(0), big, big - 1, big - 2, 0))
    expect([parts.timestamp, parts.version, parts.seq, parts.kind]).toEqual([
      big,
      big - 1,
      big - 2,
      0,
    ])
  })

  it('order: every pair of keys: user key asc, then timestamp, version, seq desc', () => {
    const arb = fc.record({
      key: fc.uint8Array({ maxLength: 4 }),
      ts: fc.nat(1000),
      version: fc.nat(1000),
      seq: fc.nat(1000),
    })
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const ea = encodeInternalKey(a.key, a.ts, a.version, a.seq, Kind.value)
        const eb = encodeInternalKey(b.key, b.ts, b.version, b.seq, Kind.delete)
        const keyOrder = Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))
        const want =
          keyOrder !== 0
            ? keyOrder
            : Math.sign(b.ts - a.ts) || Math.sign(b.version - a.version) || Math.sign(b.seq - a.seq)
        expect(Math.sign(compareInternal(ea, eb))).toBe(want)
        const seek = seekKeyFor(a.key)
        expect(compareInternal(seek, ea)).toBeLessThanOrEqual(0)
        expect(compareInternal(lastKeyFor(a.key), ea)).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 2000 },
    )
  })
})
