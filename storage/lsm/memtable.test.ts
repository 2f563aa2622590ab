// Memtable point index (memtable-index.ts): a get may skip a memtable only when the key was
// never written to it, and must start at its key's first entry in skip-list order, whatever
// order the entries were written in. Method: seeded batches of random keys, each written several
// times with shuffled timestamps (crossing several index growths), then every written key must
// lead to its first entry (the highest timestamp) and keys never written to nothing. The index
// itself is driven with chosen hashes to force shared-hash slots, against a model.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { encodeInline } from './entry-value.ts'
import { Kind, timestampOf, userKeyOf } from './internal-key.ts'
import { ABSENT, COLLIDED, MemtableIndex, type Relation } from './memtable-index.ts'
import { Memtable } from './memtable.ts'
import { bloomHash } from './sstable/bloom.ts'
import { NONE } from './skiplist.ts'

const enc = (text: string): Uint8Array => new TextEncoder().encode(text)
const dec = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

describe('memtable', () => {
  it('point index: 20k keys written 3 times in shuffled timestamp order: first entries', () => {
    const prng = new SeededPrng(21)
    const memtable = new Memtable(prng.fork(), 0)
    const written: string[] = []
    let seq = 1
    for (let batch = 0; batch < 200; batch++) {
      const keys = Array.from({ length: 100 }, () => `w-${prng.nextU32()}`)
      written.push(...keys)
      for (const timestamp of [20, 30, 10]) {
        const ops = keys.map((key) => {
          const entry = encodeInline(enc(`v${timestamp}`), 0)
          return { kind: Kind.value, userKey: enc(key), timestamp, version: 0, entry }
        })
        memtable.apply(ops, seq)
        seq += ops.length
      }
    }
    for (const key of written) {
      const node = memtable.firstNodeOf(enc(key), bloomHash(enc(key)))
      expect(node).not.toBe(NONE)
      expect(dec(userKeyOf(memtable.keyOf(node)))).toBe(key)
      expect(timestampOf(memtable.keyOf(node))).toBe(30)
    }
    for (let i = 0; i < 50_000; i++) {
      const absent = enc(`absent-${i}`)
      expect(memtable.firstNodeOf(absent, bloomHash(absent))).toBe(NONE)
    }
    expect(memtable.count).toBe(60_000)
  })

  it('point index: shared hashes become COLLIDED for good; first nodes kept per key', () => {
    // A model: node n is (key, rank); a lower rank sorts first within a key.
    const nodes: Array<{ key: string; rank: number }> = [{ key: '', rank: 0 }]
    const relate = (node: number, current: number): Relation => {
      const a = nodes[node]!
      const b = nodes[current]!
      if (a.key !== b.key) return 'other-key'
      return a.rank < b.rank ? 'sorts-first' : 'sorts-after'
    }
    const index = new MemtableIndex(relate)
    const prng = new SeededPrng(5)
    const hashOf = (key: string): number => Number(key.split('/')[0]) | 0
    const first = new Map<string, number>()
    for (let i = 0; i < 5_000; i++) {
      // ~800 hashes, mostly one key each, some shared by two keys; ranks in random order.
      const hash = prng.intInclusive(-400, 400)
      const key = `${hash}/${prng.intInclusive(0, 20) === 0 ? 'b' : 'a'}`
      nodes.push({ key, rank: prng.intInclusive(0, 1_000_000) })
      const node = nodes.length - 1
      index.add(hashOf(key), node)
      const best = first.get(key)
      if (best === undefined || nodes[node]!.rank < nodes[best]!.rank) first.set(key, node)
    }
    for (let hash = -400; hash <= 400; hash++) {
      const keys = [`${hash}/a`, `${hash}/b`].filter((key) => first.has(key))
      const found = index.find(hash)
      if (keys.length === 0) expect(found).toBe(ABSENT)
      else if (keys.length === 2) expect(found).toBe(COLLIDED)
      else expect(found).toBe(first.get(keys[0]!))
    }
    for (let hash = 401; hash < 2_000; hash++) expect(index.find(hash)).toBe(ABSENT)
  })

  it('point index: two user keys with one bloom hash: each found through the skip list', () => {
    const seen = new Map<number, string>()
    let pair: [string, string] | undefined
    for (let i = 0; pair === undefined && i < 1_000_000; i++) {
      const key = `c-${i}`
      const hash = bloomHash(enc(key)) | 0
      const other = seen.get(hash)
      if (other !== undefined) pair = [other, key]
      else seen.set(hash, key)
    }
    expect(pair).toBeDefined()
    const [a, b] = pair!
    const memtable = new Memtable(new SeededPrng(3), 0)
    let seq = 1
    for (const [key, timestamp] of [
      [a, 5],
      [b, 9],
      [a, 7],
      [b, 1],
    ] as const) {
      const entry = encodeInline(enc(`${key}@${timestamp}`), 0)
      memtable.apply([{ kind: Kind.value, userKey: enc(key), timestamp, version: 0, entry }], seq++)
    }
    for (const [key, newest] of [
      [a, 7],
      [b, 9],
    ] as const) {
      const node = memtable.firstNodeOf(enc(key), bloomHash(enc(key)))
      expect(dec(userKeyOf(memtable.keyOf(node)))).toBe(key)
      expect(timestampOf(memtable.keyOf(node))).toBe(newest)
    }
    const absent = enc('c-absent')
    expect(memtable.firstNodeOf(absent, bloomHash(enc(a)))).toBe(NONE)
  })
})
