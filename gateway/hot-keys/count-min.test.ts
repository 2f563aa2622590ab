// Goal: the Count-Min sketch never underestimates and stays within epsilon * N for all but a
// delta fraction of keys, as its guarantee says. Method: seeded Zipf and uniform streams with
// exact counts beside them, for several widths, depths and seeds; plus dimensioning from
// (epsilon, delta) and the fixed memory it reports.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { CountMinSketch, countMinDimensions } from './count-min.ts'
import { digestKey } from './key-digest.ts'
import { zipfStream } from './zipf.test-helper.ts'

function uniformStream(prng: SeededPrng, options: { n: number; length: number }) {
  const keys: string[] = []
  const exact = new Map<string, number>()
  for (let i = 0; i < options.length; i++) {
    const key = `u-${prng.intInclusive(1, options.n)}`
    keys.push(key)
    exact.set(key, (exact.get(key) ?? 0) + 1)
  }
  return { keys, exact }
}

describe('count-min', () => {
  it('count-min: dimensions from epsilon and delta: width e/eps, depth ln(1/delta)', () => {
    expect(countMinDimensions({ epsilon: 0.01, delta: 0.01 })).toEqual({ width: 272, depth: 5 })
    const sketch = new CountMinSketch({ width: 272, depth: 5 })
    expect(sketch.memoryBytes).toBe(272 * 5 * 4)
    expect(sketch.epsilon).toBeCloseTo(0.01, 3)
    expect(sketch.delta).toBeCloseTo(Math.exp(-5), 6)
  })

  const cases = [
    { name: 'zipf 1.0', width: 64, depth: 3, seed: 1 },
    { name: 'zipf 0.9', width: 128, depth: 4, seed: 2 },
    { name: 'uniform', width: 64, depth: 2, seed: 3 },
    { name: 'uniform', width: 256, depth: 5, seed: 4 },
  ]
  for (const c of cases) {
    it(`count-min: ${c.name} w=${c.width} d=${c.depth}: never under, eps*N w.p. 1-delta`, () => {
      const prng = new SeededPrng(c.seed)
      const stream = c.name.startsWith('zipf')
        ? zipfStream(prng, { n: 5_000, s: Number(c.name.split(' ')[1]), length: 50_000 })
        : uniformStream(prng, { n: 5_000, length: 50_000 })
      const sketch = new CountMinSketch({ width: c.width, depth: c.depth })
      const seed = BigInt(c.seed)
      for (const key of stream.keys) sketch.add(digestKey(key, seed), { count: 1 })
      expect(sketch.total).toBe(stream.keys.length)
      let overBound = 0
      let under = 0
      for (const [key, count] of stream.exact) {
        const estimate = sketch.estimate(digestKey(key, seed))
        if (estimate < count) under++
        if (estimate - count > sketch.errorBound()) overBound++
      }
      expect(under).toBe(0)
      const overShare = overBound / stream.exact.size
      console.log(
        `count-min ${c.name} w=${c.width} d=${c.depth}: ${overBound} of ` +
          `${stream.exact.size} keys over eps*N=${sketch.errorBound().toFixed(0)} (delta ` +
          `${sketch.delta.toFixed(3)})`,
      )
      expect(overShare).toBeLessThanOrEqual(sketch.delta)
    })
  }

  it('count-min: conservative update: no worse than the plain sketch on the same stream', () => {
    // Plain Count-Min adds to every row; conservative only raises rows below the new minimum,
    // so each of its cells is <= the plain sketch's cell and so is every estimate.
    const prng = new SeededPrng(9)
    const { keys, exact } = zipfStream(prng, { n: 2_000, s: 1.0, length: 20_000 })
    const sketch = new CountMinSketch({ width: 64, depth: 3 })
    const plain = Array.from({ length: 3 }, () => new Uint32Array(64))
    for (const key of keys) {
      const digest = digestKey(key, 5n)
      sketch.add(digest, { count: 1 })
      for (let row = 0; row < 3; row++) {
        plain[row]![((digest.h1 + Math.imul(row, digest.h2)) >>> 0) % 64]! += 1
      }
    }
    let tighter = 0
    let looser = 0
    for (const key of exact.keys()) {
      const digest = digestKey(key, 5n)
      const plainEstimate = Math.min(
        ...plain.map((row, i) => row[((digest.h1 + Math.imul(i, digest.h2)) >>> 0) % 64]!),
      )
      if (sketch.estimate(digest) > plainEstimate) looser++
      if (sketch.estimate(digest) < plainEstimate) tighter++
    }
    expect(looser).toBe(0)
    expect(tighter).toBeGreaterThan(0)
  })

  it('count-min: clear: forgets counts and total, keeps memory', () => {
    const sketch = new CountMinSketch({ width: 16, depth: 2 })
    const digest = digestKey('k', 1n)
    sketch.add(digest, { count: 5 })
    expect(sketch.estimate(digest)).toBe(5)
    sketch.clear()
    expect(sketch.estimate(digest)).toBe(0)
    expect(sketch.total).toBe(0)
    expect(sketch.memoryBytes).toBe(16 * 2 * 4)
  })

  it('count-min: bad dimensions or counts: assertion', () => {
    expect(() => new CountMinSketch({ width: 0, depth: 1 })).toThrow()
    expect(() => countMinDimensions({ epsilon: 0, delta: 0.1 })).toThrow()
    const sketch = new CountMinSketch({ width: 4, depth: 1 })
    expect(() => sketch.add(digestKey('k', 1n), { count: 0 })).toThrow()
  })
})
