// Goal: item keys round-trip and their bytes order exactly as (table, partitionKey, sortKey)
// do, for any bytes including 0x00 and 0xFF. Method: known-answer vectors pin the format;
// fast-check properties compare encode order with component order and check partition bounds.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareBytes, utf8 } from '../codecs/bytes.ts'
import { isShoalError } from '../errors.ts'
import { limits } from '../limits.ts'
import {
  compareItemKeys,
  decodeItemKey,
  decodeRawItemKey,
  encodeItemKey,
  encodeRawItemKey,
  partitionBounds,
  sortPrefixBounds,
  validateTableName,
  type RawItemKey,
} from './item-key.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const bytesArb = fc.uint8Array({ maxLength: 12 })
// Small alphabets with 0x00, 0x01 and 0xFF make prefix and escape collisions likely.
const trickyBytesArb = fc.array(fc.constantFrom(0x00, 0x01, 0x02, 0xfe, 0xff, 0x61), {
  maxLength: 8,
})
const componentArb = fc.oneof(
  bytesArb,
  trickyBytesArb.map((a) => Uint8Array.from(a)),
)
const rawKeyArb: fc.Arbitrary<RawItemKey> = fc.record({
  table: componentArb,
  partitionKey: componentArb,
  sortKey: componentArb,
})
const tableArb = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,16}$/)

function compareRaw(a: RawItemKey, b: RawItemKey): number {
  return (
    compareBytes(a.table, b.table) ||
    compareBytes(a.partitionKey, b.partitionKey) ||
    compareBytes(a.sortKey, b.sortKey)
  )
}

describe('item-key', () => {
  it('item-key: known answers: pin the frozen layout', () => {
    const key = { table: 't', partitionKey: Uint8Array.of(0x61, 0x00), sortKey: utf8('s') }
    expect(hex(encodeItemKey(key))).toBe('74' + '0001' + '6100ff' + '0001' + '73')
    const empty = { table: 'users', partitionKey: new Uint8Array(0), sortKey: new Uint8Array(0) }
    expect(hex(encodeItemKey(empty))).toBe('7573657273' + '0001' + '0001')
  })

  it('item-key: raw bytes of every kind: round trip', () => {
    fc.assert(
      fc.property(rawKeyArb, (key) => {
        const decoded = decodeRawItemKey(encodeRawItemKey(key))
        expect(hex(decoded.table)).toBe(hex(key.table))
        expect(hex(decoded.partitionKey)).toBe(hex(key.partitionKey))
        expect(hex(decoded.sortKey)).toBe(hex(key.sortKey))
      }),
      { numRuns: 2000 },
    )
  })

  it('item-key: two raw keys: byte order equals component order', () => {
    fc.assert(
      fc.property(rawKeyArb, rawKeyArb, (a, b) => {
        const byBytes = compareBytes(encodeRawItemKey(a), encodeRawItemKey(b))
        expect(byBytes).toBe(compareRaw(a, b))
      }),
      { numRuns: 5000 },
    )
  })

  it('item-key: valid keys: round trip and order through the validated API', () => {
    const keyArb = fc.record({ table: tableArb, partitionKey: componentArb, sortKey: componentArb })
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        const decoded = decodeItemKey(encodeItemKey(a))
        expect(decoded.table).toBe(a.table)
        expect(hex(decoded.partitionKey)).toBe(hex(a.partitionKey))
        expect(hex(decoded.sortKey)).toBe(hex(a.sortKey))
        expect(compareBytes(encodeItemKey(a), encodeItemKey(b))).toBe(compareItemKeys(a, b))
      }),
      { numRuns: 2000 },
    )
  })

  it('item-key: partition bounds: contain exactly the items of that partition', () => {
    const keyArb = fc.record({ table: tableArb, partitionKey: componentArb, sortKey: componentArb })
    fc.assert(
      fc.property(keyArb, tableArb, componentArb, (item, table, partitionKey) => {
        const { start, end } = partitionBounds(table, partitionKey)
        const encoded = encodeItemKey(item)
        const inside = compareBytes(start, encoded) <= 0 && compareBytes(encoded, end) < 0
        const samePartition = item.table === table && hex(item.partitionKey) === hex(partitionKey)
        expect(inside).toBe(samePartition)
      }),
      { numRuns: 3000 },
    )
  })

  it('item-key: sort prefix bounds: contain exactly the items with that sort-key prefix', () => {
    fc.assert(
      fc.property(componentArb, componentArb, componentArb, (pk, sortKey, sortPrefix) => {
        const { start, end } = sortPrefixBounds('t', pk, sortPrefix)
        const encoded = encodeItemKey({ table: 't', partitionKey: pk, sortKey })
        const inside = compareBytes(start, encoded) <= 0 && compareBytes(encoded, end) < 0
        const hasPrefix = hex(sortKey).startsWith(hex(sortPrefix))
        expect(inside).toBe(hasPrefix)
      }),
      { numRuns: 3000 },
    )
  })

  it('item-key: bad table names: typed bad-request errors', () => {
    for (const name of ['', 'a/b', 'a b', 'é', 'x'.repeat(129), 'nul\u0000']) {
      expect(() => validateTableName(name)).toThrow(
        expect.objectContaining({ code: 'bad-request' }),
      )
    }
    expect(() => validateTableName('x'.repeat(128))).not.toThrow()
    expect(() => validateTableName('a-b_c.D9')).not.toThrow()
  })

  it('item-key: key parts at and over their limits: too-large only past the limit', () => {
    const at = new Uint8Array(limits.partitionKeyBytesMax).fill(0)
    const over = new Uint8Array(limits.partitionKeyBytesMax + 1)
    const sortAt = new Uint8Array(limits.sortKeyBytesMax).fill(0xff)
    const sortOver = new Uint8Array(limits.sortKeyBytesMax + 1)
    const table = 'x'.repeat(limits.tableNameBytesMax)
    const biggest = encodeItemKey({ table, partitionKey: at, sortKey: sortAt })
    expect(biggest.length).toBeLessThanOrEqual(limits.keyBytesMax)
    const tooLarge = expect.objectContaining({ code: 'too-large' })
    expect(() => encodeItemKey({ table, partitionKey: over, sortKey: sortAt })).toThrow(tooLarge)
    expect(() => encodeItemKey({ table, partitionKey: at, sortKey: sortOver })).toThrow(tooLarge)
  })

  it('item-key: malformed bytes: typed bad-request errors, never a wrong key', () => {
    const cases = [Uint8Array.of(0x61), Uint8Array.of(0x61, 0x00), Uint8Array.of(0x61, 0, 7, 0, 1)]
    for (const bytes of cases) {
      let caught: unknown = null
      try {
        decodeRawItemKey(bytes)
      } catch (error) {
        caught = error
      }
      expect(isShoalError(caught, 'bad-request')).toBe(true)
    }
  })
})
