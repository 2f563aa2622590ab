// SkipList: the arena-backed skip list must order, find and walk exactly like a sorted array.
// Method: insert seeded random internal keys (long ones too, so the key arena spans several
// chunks), then compare first/last/next, seekGE, seekLT and seekUserKey with a sorted copy.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { compareInternal, encodeInternalKey, Kind, seekKeyFor } from './internal-key.ts'
import { NONE, SkipList } from './skiplist.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

function userKey(prng: SeededPrng): Uint8Array {
  const long = prng.intInclusive(0, 9) === 0
  const text = `k${prng.intInclusive(0, 400)}`.padEnd(long ? 3000 : 4, '.')
  return new TextEncoder().encode(text)
}

describe('SkipList', () => {
  it('seeks and walks: 2000 random keys over several arena chunks: match a sorted array', () => {
    const prng = new SeededPrng(21)
    const list = new SkipList(new SeededPrng(22))
    const keys: Uint8Array[] = []
    for (let seq = 1; seq <= 2000; seq++) {
      const key = encodeInternalKey(userKey(prng), prng.intInclusive(0, 2), 0, seq, Kind.value)
      list.insert(key, new Uint8Array([seq & 0xff]))
      keys.push(key)
    }
    keys.sort(compareInternal)
    expect(list.count).toBe(2000)
    const walked: string[] = []
    for (let node = list.first(); node !== NONE; node = list.next(node)) {
      walked.push(hex(list.key(node)))
    }
    expect(walked).toEqual(keys.map(hex))
    expect(hex(list.key(list.last()))).toBe(hex(keys.at(-1)!))
    const at = (node: number): string => (node === NONE ? 'none' : hex(list.key(node)))
    const firstFrom = (target: Uint8Array): string => {
      const found = keys.find((k) => compareInternal(k, target) >= 0)
      return found === undefined ? 'none' : hex(found)
    }
    for (let probe = 0; probe < 300; probe++) {
      const user = userKey(prng)
      const target = encodeInternalKey(user, prng.intInclusive(0, 2), 0, probe * 7, Kind.value)
      expect(at(list.seekGE(target))).toBe(firstFrom(target))
      expect(at(list.seekUserKey(user))).toBe(firstFrom(seekKeyFor(user)))
      const before = keys.filter((k) => compareInternal(k, target) < 0).at(-1)
      expect(at(list.seekLT(target))).toBe(before === undefined ? 'none' : hex(before))
    }
  })

  it('insert: the same internal key twice: rejected', () => {
    const list = new SkipList(new SeededPrng(1))
    const key = encodeInternalKey(new Uint8Array([1]), 0, 0, 1, Kind.value)
    list.insert(key, new Uint8Array(0))
    expect(() => list.insert(key.slice(), new Uint8Array(0))).toThrow(/duplicate/)
  })

  it('empty list: seeks and ends: return NONE', () => {
    const list = new SkipList(new SeededPrng(1))
    const key = encodeInternalKey(new Uint8Array([1]), 0, 0, 1, Kind.value)
    expect([list.first(), list.last(), list.seekGE(key), list.seekLT(key)]).toEqual([0, 0, 0, 0])
  })
})
