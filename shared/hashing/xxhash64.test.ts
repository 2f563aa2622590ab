// Goal: the xxhash64 entry point computes the standard XXH64 and honours its seed. Method:
// known-answer vectors from the xxHash reference (empty input, "a", "abc", seeded), and a
// check that strings hash as their UTF-8 bytes.
import { describe, expect, it } from 'vitest'
import { utf8 } from '../codecs/bytes.ts'
import { splitU64, xxhash64 } from './xxhash64.ts'

describe('xxhash64', () => {
  it('xxhash64: reference vectors: match XXH64', () => {
    expect(xxhash64('', 0n)).toBe(0xef46db3751d8e999n)
    expect(xxhash64('a', 0n)).toBe(0xd24ec4f1a98c6e5bn)
    expect(xxhash64('abc', 0n)).toBe(0x44bc2cf5ad770999n)
    // xxHash's sanity test: empty input with seed PRIME32_1.
    expect(xxhash64('', 2654435761n)).toBe(0xac75fda2929b17efn)
  })

  it('xxhash64: string and its UTF-8 bytes: same hash', () => {
    for (const text of ['', 'shoal', 'é', '\u0000x', '日本']) {
      expect(xxhash64(text, 7n)).toBe(xxhash64(utf8(text), 7n))
    }
  })

  it('xxhash64: different seeds: different hashes', () => {
    expect(xxhash64('key', 1n)).not.toBe(xxhash64('key', 2n))
  })

  it('xxhash64: split into halves: recombines to the hash', () => {
    const hash = xxhash64('abc', 0n)
    const { high, low } = splitU64(hash)
    expect((BigInt(high) << 32n) | BigInt(low)).toBe(hash)
  })

  it('xxhash64: out-of-range seed: assertion', () => {
    expect(() => xxhash64('a', -1n)).toThrow()
    expect(() => xxhash64('a', 1n << 64n)).toThrow()
  })
})
