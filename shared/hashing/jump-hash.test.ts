// Goal: jump hash is the paper's algorithm and moves the minimum number of keys. Method:
// known-answer vectors shared by the Go and Rust ports; movement from n to n + 1 buckets
// checked by brute force over many keys (moved keys go only to the new bucket, about
// 1/(n + 1) of them); balance over 1M keys is in shard-of.test.ts.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../random/prng.ts'
import { jumpHash } from './jump-hash.ts'

function randomKey(prng: SeededPrng): bigint {
  return (BigInt(prng.nextU32()) << 32n) | BigInt(prng.nextU32())
}

/** The paper's C++ transcribed with bigint arithmetic: the dumb twin of the u32-limb version. */
function jumpHashTwin(key: bigint, bucketCount: number): number {
  let state = key
  let bucket = -1
  let next = 0
  while (next < bucketCount) {
    bucket = next
    state = (state * 2862933555777941757n + 1n) & ((1n << 64n) - 1n)
    next = Math.floor((bucket + 1) * (2 ** 31 / (Number(state >> 33n) + 1)))
  }
  return bucket
}

describe('jump-hash', () => {
  it('jump-hash: random keys and bucket counts: agrees with the bigint twin', () => {
    const prng = new SeededPrng(5)
    for (let i = 0; i < 20_000; i++) {
      const key = i % 7 === 0 ? (1n << 64n) - 1n - BigInt(i) : randomKey(prng)
      const bucketCount = prng.intInclusive(1, i % 2 === 0 ? 100 : 1_000_000)
      expect(jumpHash(key, bucketCount)).toBe(jumpHashTwin(key, bucketCount))
    }
  })

  it('jump-hash: reference vectors: match the published ports', () => {
    expect(jumpHash(1n, 1)).toBe(0)
    expect(jumpHash(42n, 57)).toBe(43)
    expect(jumpHash(0xdead10ccn, 1)).toBe(0)
    expect(jumpHash(0xdead10ccn, 666)).toBe(361)
    expect(jumpHash(256n, 1024)).toBe(520)
  })

  it('jump-hash: n to n + 1 buckets: keys move only to bucket n, ~1/(n + 1) of them', () => {
    const prng = new SeededPrng(11)
    const keys = Array.from({ length: 20_000 }, () => randomKey(prng))
    let before = keys.map((key) => jumpHash(key, 1))
    for (let n = 1; n < 40; n++) {
      const after = keys.map((key) => jumpHash(key, n + 1))
      let moved = 0
      for (let i = 0; i < keys.length; i++) {
        if (after[i] === before[i]) continue
        moved++
        expect(after[i]).toBe(n)
      }
      const expected = keys.length / (n + 1)
      // Binomial: 5 standard deviations is a bound this test can hold for every n.
      const sigma = Math.sqrt(keys.length * (1 / (n + 1)) * (n / (n + 1)))
      expect(Math.abs(moved - expected)).toBeLessThan(5 * sigma)
      before = after
    }
  })

  it('jump-hash: bad arguments: assertion', () => {
    expect(() => jumpHash(-1n, 4)).toThrow()
    expect(() => jumpHash(1n << 64n, 4)).toThrow()
    expect(() => jumpHash(1n, 0)).toThrow()
    expect(() => jumpHash(1n, 1.5)).toThrow()
  })
})
