// BlockCache (lru-cache with a byte budget, per-table slot arrays for hits): it must keep its
// budget, count hits and misses, evict the least recently used block, let a hit since the last
// admission refresh a block, take blocks offered by a table being written only while it has
// room, and release a closed table's blocks. Method: real decoded blocks of known charge under
// small budgets, checked through lookups and the slot arrays (which a lookup does not touch).
import { describe, expect, it } from 'vitest'
import { BlockCache, BlockSlots } from './block-cache.ts'
import { encodeInternalKey, Kind } from './internal-key.ts'
import { BlockBuilder } from './sstable/block.ts'
import { decodeBlock, DecodedBlock } from './sstable/decoded-block.ts'

function blockBytes(tag: number): Uint8Array {
  const builder = new BlockBuilder()
  for (let i = 0; i < 8; i++) {
    const key = encodeInternalKey(new Uint8Array([tag, i]), 0, 0, i + 1, Kind.value)
    builder.add(key, new Uint8Array(100).fill(tag))
  }
  return builder.finish().slice()
}

function block(tag: number): DecodedBlock {
  const builder = new BlockBuilder()
  for (let i = 0; i < 8; i++) {
    const key = encodeInternalKey(new Uint8Array([tag, i]), 0, 0, i + 1, Kind.value)
    builder.add(key, new Uint8Array(100).fill(tag))
  }
  return decodeBlock(builder.finish(), 'b', 0)
}

describe('block cache', () => {
  it('lookup: after insert: a hit on the same slot only, misses counted on insert', () => {
    const cache = new BlockCache(1 << 20)
    const a = new BlockSlots(4)
    const b = new BlockSlots(4)
    expect(cache.lookup(a, 1)).toBeUndefined()
    const loaded = block(1)
    cache.insert(a, 1, loaded)
    expect(cache.lookup(a, 1)).toBe(loaded)
    expect(cache.lookup(b, 1)).toBeUndefined()
    expect(cache.lookup(a, 0)).toBeUndefined()
    expect([cache.hits, cache.misses]).toEqual([1, 1])
    expect(cache.usedBytes).toBe(loaded.chargeBytes)
  })

  it('budget: many inserts: used bytes never exceed the budget', () => {
    const charge = block(0).chargeBytes
    const cache = new BlockCache(charge * 5 + charge / 2)
    const slots = new BlockSlots(100)
    for (let i = 0; i < 100; i++) {
      cache.insert(slots, i, block(i))
      expect(cache.usedBytes).toBeLessThanOrEqual(charge * 5 + charge / 2)
      if (i % 3 === 0) cache.lookup(slots, i)
    }
    expect(cache.blockCount).toBe(5)
    expect(slots.blocks.filter((b) => b !== undefined)).toHaveLength(5)
  })

  it('eviction: full: the least recently used block goes, hits refresh a block', () => {
    const charge = block(0).chargeBytes
    const cache = new BlockCache(charge * 3)
    const slots = new BlockSlots(8)
    const cached = (): number[] => slots.blocks.flatMap((b, i) => (b === undefined ? [] : [i]))
    for (let i = 0; i < 3; i++) cache.insert(slots, i, block(i))
    cache.insert(slots, 3, block(3)) // nothing used: 0, the oldest, goes
    expect(cached()).toEqual([1, 2, 3])
    cache.lookup(slots, 1) // 1 is now the most recent: 2 goes next
    cache.insert(slots, 4, block(4))
    expect(cached()).toEqual([1, 3, 4])
    // Within one interval between admissions a block counts by its first use, and 4's was its
    // admission, before the hits on 3 and 1: 4 is now the least recent and goes.
    cache.lookup(slots, 3)
    cache.lookup(slots, 1)
    cache.lookup(slots, 3)
    cache.lookup(slots, 4)
    cache.insert(slots, 5, block(5))
    expect(cached()).toEqual([1, 3, 5])
  })

  it('budget: smaller than one block: nothing stays cached', () => {
    const cache = new BlockCache(10)
    const slots = new BlockSlots(2)
    cache.insert(slots, 0, block(0))
    expect(cache.lookup(slots, 0)).toBeUndefined()
    expect(cache.usedBytes).toBe(0)
  })

  it('offer: blocks of a table being written: adopted by its reader, hits without a read', () => {
    const cache = new BlockCache(1 << 20)
    cache.offer(7, 't.sst', 0, blockBytes(1))
    cache.offer(7, 't.sst', 2, blockBytes(2))
    const used = cache.usedBytes
    expect(used).toBeGreaterThan(0)
    const slots = new BlockSlots(3)
    cache.adopt(8, slots)
    expect(slots.blocks.every((b) => b === undefined)).toBe(true)
    cache.adopt(7, slots)
    expect(cache.lookup(slots, 0)?.valueAt(0)[0]).toBe(1)
    expect(cache.lookup(slots, 1)).toBeUndefined()
    expect(cache.lookup(slots, 2)?.valueAt(0)[0]).toBe(2)
    expect([cache.hits, cache.misses, cache.blockCount, cache.usedBytes]).toEqual([2, 0, 2, used])
  })

  it('offer: a cache without room: the block is not kept', () => {
    const cache = new BlockCache(block(0).chargeBytes)
    cache.offer(7, 't.sst', 0, blockBytes(1))
    const slots = new BlockSlots(1)
    cache.adopt(7, slots)
    expect([cache.usedBytes, cache.blockCount, slots.blocks[0]]).toEqual([0, 0, undefined])
  })

  it('forget: a closed table: its bytes leave the budget, later inserts are not kept', () => {
    const cache = new BlockCache(1 << 20)
    const closed = new BlockSlots(4)
    const open = new BlockSlots(4)
    for (let i = 0; i < 4; i++) cache.insert(closed, i, block(i))
    cache.insert(open, 0, block(9))
    cache.forget(closed)
    expect(cache.usedBytes).toBe(block(9).chargeBytes)
    expect(cache.blockCount).toBe(1)
    expect(cache.lookup(closed, 0)).toBeUndefined()
    cache.insert(closed, 1, block(1))
    expect(cache.lookup(closed, 1)).toBeUndefined()
    expect(cache.lookup(open, 0)).toBeDefined()
  })

  it('adopt: offered blocks move a slice at a time; a closed table drops the rest', () => {
    const cache = new BlockCache(1 << 20)
    for (let i = 0; i < 5; i++) cache.offer(7, 't7', i, blockBytes(i + 1))
    const slots = new BlockSlots(5)
    expect(cache.adopt(7, slots, 2)).toBe(true)
    expect(slots.blocks.filter((b) => b !== undefined)).toHaveLength(2)
    expect(cache.adopt(7, slots, 2)).toBe(true)
    expect(cache.adopt(7, slots, 2)).toBe(false)
    expect(slots.blocks.every((b) => b !== undefined)).toBe(true)
    const before = cache.usedBytes
    for (let i = 0; i < 3; i++) cache.offer(8, 't8', i, blockBytes(i + 1))
    const closed = new BlockSlots(3)
    expect(cache.adopt(8, closed, 1)).toBe(true)
    cache.forget(closed)
    expect(cache.adopt(8, closed)).toBe(false)
    expect(cache.usedBytes).toBe(before)
  })

  it('offerDecoded: a block decoded elsewhere, transferred as its buffer: same entries', () => {
    const cache = new BlockCache(1 << 20)
    const original = block(3)
    const copy = DecodedBlock.fromBuffer(original.buffer.slice(0), original.count)
    cache.offerDecoded(9, 0, copy)
    const slots = new BlockSlots(1)
    cache.adopt(9, slots)
    expect(cache.lookup(slots, 0)?.keys.map((k) => [...k])).toEqual(
      original.keys.map((k) => [...k]),
    )
  })
})
