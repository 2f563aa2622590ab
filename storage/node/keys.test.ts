/**
 * Goal: the node's LSM key layout keeps groups apart, keeps meta keys out of data ranges and
 * recovers table ids; stored values round-trip. Method: known examples and a small property
 * check that data keys of a group sort inside [groupPrefix, groupEnd) and are never meta keys.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { compareBytes, concatBytes } from '../../shared/codecs/bytes.ts'
import { encodeRawItemKey } from '../../shared/keys/item-key.ts'
import {
  appliedKey, dataKey, decodeStoredValue, encodeStoredValue, groupEnd, groupPrefix, isMetaKey,
  keyHash32, tableIdOfKey,
} from './keys.ts'

describe('node keys', () => {
  it('node keys: any data key: inside its group, not meta, table id recovered', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 1, max: 2 ** 53 - 1 }), fc.uint8Array({ maxLength: 16 }),
      fc.uint8Array({ maxLength: 16 }), (group, tableId, partitionKey, sortKey) => {
        const key = dataKey(group, { tableId, partitionKey, sortKey })
        // The layout's definition: u32be group, then the item key over the u64be table id.
        const table = new Uint8Array(8)
        new DataView(table.buffer).setBigUint64(0, BigInt(tableId))
        const item = encodeRawItemKey({ table, partitionKey, sortKey })
        expect(key).toEqual(concatBytes([groupPrefix(group), item], 4 + item.length))
        expect(compareBytes(key, groupPrefix(group))).toBeGreaterThanOrEqual(0)
        expect(compareBytes(key, groupEnd(group))).toBeLessThan(0)
        expect(isMetaKey(key)).toBe(false)
        expect(tableIdOfKey(key)).toBe(tableId)
      }), { numRuns: 200 })
  })

  it('node keys: applied key: meta, inside its group', () => {
    const key = appliedKey(3)
    expect(isMetaKey(key)).toBe(true)
    expect(tableIdOfKey(key)).toBeUndefined()
    expect(compareBytes(key, groupEnd(3))).toBeLessThan(0)
  })

  it('node keys: stored value: the layout ByteWriter gives, for any type and value', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 64 }),
      (contentType, value) => {
        const type = new TextEncoder().encode(contentType)
        const expected = new ByteWriter(16).writeLengthPrefixed(type).writeBytes(value).finish()
        expect([...encodeStoredValue(contentType, value)]).toEqual([...expected])
      }), { numRuns: 200 })
  })

  it('node keys: stored value: content type and bytes round-trip', () => {
    const decoded = decodeStoredValue(encodeStoredValue('text/plain', new Uint8Array([0, 1, 2])))
    expect(decoded.contentType).toBe('text/plain')
    expect([...decoded.value]).toEqual([0, 1, 2])
  })

  it('node keys: keyHash32: FNV-1a 32 (published vectors), equal keys equal', () => {
    const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
    expect(keyHash32(new Uint8Array(0))).toBe(0x811c9dc5)
    expect(keyHash32(ascii('a'))).toBe(0xe40c292c)
    expect(keyHash32(ascii('foobar'))).toBe(0xbf9cf968)
    const key = dataKey(3, { tableId: 9, partitionKey: ascii('k'), sortKey: new Uint8Array(0) })
    expect(keyHash32(key.slice())).toBe(keyHash32(key))
  })
})
