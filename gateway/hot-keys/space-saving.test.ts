// Goal: Space-Saving keeps its guarantees: count is an upper bound, count - error a lower
// bound, untracked keys are below minCount, and every key above N / capacity is tracked.
// Method: seeded Zipf streams against exact counts, and a tiny stream checked by hand.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { SpaceSaving } from './space-saving.ts'
import { zipfStream } from './zipf.test-helper.ts'

describe('space-saving', () => {
  it('space-saving: tiny stream: evicts the minimum and carries its count as error', () => {
    const top = new SpaceSaving({ capacity: 2 })
    for (const key of ['a', 'a', 'b', 'c']) top.offer(key, { count: 1 })
    expect(top.get('a')).toEqual({ key: 'a', count: 2, error: 0 })
    expect(top.get('b')).toBeNull()
    expect(top.get('c')).toEqual({ key: 'c', count: 2, error: 1 })
    expect(top.minCount()).toBe(2)
    expect(top.top(5).map((entry) => entry.key)).toEqual(['a', 'c'])
  })

  for (const [s, seed] of [
    [0.8, 1],
    [1.0, 2],
    [1.3, 3],
  ] as const) {
    it(`space-saving: zipf ${s}: bounds hold against exact counts`, () => {
      const capacity = 64
      const { keys, exact } = zipfStream(new SeededPrng(seed), { n: 20_000, s, length: 50_000 })
      const top = new SpaceSaving({ capacity })
      for (const key of keys) top.offer(key, { count: 1 })
      expect(top.total).toBe(keys.length)
      // Counted rather than asserted per key: an expect() per key is slower than the sketch.
      const violations: string[] = []
      for (const [key, count] of exact) {
        const entry = top.get(key)
        if (entry === null) {
          if (count > top.minCount()) violations.push(`${key} untracked above minCount`)
          if (count > keys.length / capacity) violations.push(`${key} above N/k untracked`)
        } else {
          if (entry.count < count) violations.push(`${key} count below true`)
          if (entry.count - entry.error > count) violations.push(`${key} lower bound above true`)
        }
      }
      expect(violations).toEqual([])
      const entries = top.top(capacity)
      for (let i = 1; i < entries.length; i++) {
        expect(entries[i - 1]!.count).toBeGreaterThanOrEqual(entries[i]!.count)
      }
    })
  }

  it('space-saving: memory: fixed arrays plus the key strings held', () => {
    const top = new SpaceSaving({ capacity: 8 })
    const empty = top.memoryBytes
    top.offer('abcd', { count: 1 })
    expect(top.memoryBytes).toBeGreaterThan(empty)
    top.clear()
    expect(top.memoryBytes).toBe(empty)
    expect(top.get('abcd')).toBeNull()
  })
})
