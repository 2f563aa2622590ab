// Memtable key filter: a get may skip a memtable only when the key was never written to it, so
// the filter must have no false negatives while it grows, and few false positives. Method: write
// seeded batches of random keys (crossing several filter rebuilds), then probe every written key
// and as many keys never written.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { encodeInline } from './entry-value.ts'
import { Kind } from './internal-key.ts'
import { Memtable } from './memtable.ts'
import { bloomHash } from './sstable/bloom.ts'

const enc = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('memtable', () => {
  it('key filter: 20k keys across rebuilds: every written key passes, under 6% of others', () => {
    const prng = new SeededPrng(21)
    const memtable = new Memtable(prng.fork(), 0)
    const written: string[] = []
    let seq = 1
    for (let batch = 0; batch < 200; batch++) {
      const ops = Array.from({ length: 100 }, () => {
        const key = `w-${prng.nextU32()}`
        written.push(key)
        const entry = encodeInline(enc('v'), 0)
        return { kind: Kind.value, userKey: enc(key), timestamp: 0, version: 0, entry }
      })
      memtable.apply(ops, seq)
      seq += ops.length
      for (const key of written.slice(-100))
        expect(memtable.mayContain(bloomHash(enc(key)))).toBe(true)
    }
    for (const key of written) expect(memtable.mayContain(bloomHash(enc(key)))).toBe(true)
    let passed = 0
    for (let i = 0; i < 50_000; i++)
      if (memtable.mayContain(bloomHash(enc(`absent-${i}`)))) passed++
    expect(passed / 50_000).toBeLessThan(0.06)
    expect(memtable.count).toBe(20_000)
  })
})
