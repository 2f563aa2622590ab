// LinearizedSet against a naive twin: after random toggles, `low` and `high` must equal the
// first not-full and last non-empty words of the required bitset computed from scratch, and the
// Zobrist hash must depend only on the required ops in the set, not on the order of toggles.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LinearizedSet } from './linearized-set.ts'

function naiveBounds(set: LinearizedSet, requiredCount: number): [number, number] {
  const has = (bit: number) => (set.required[bit >>> 5]! & (1 << (bit & 31))) !== 0
  let low = 0
  while (low < set.required.length) {
    const end = Math.min((low + 1) * 32, requiredCount)
    let full = true
    for (let bit = low * 32; bit < end; bit++) full &&= has(bit)
    if (!full) break
    low++
  }
  let high = set.required.length - 1
  while (high >= 0 && set.required[high] === 0) high--
  return [low, high]
}

describe('LinearizedSet', () => {
  it('linearized-set: random toggles: bounds match a recount, hash matches the contents', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        (count, toggles) => {
          const calls = Array.from({ length: count }, (_, i) => i)
          const returns = calls.map((c, i) => (i % 7 === 3 ? Infinity : c + 1))
          const requiredCount = returns.filter((r) => r !== Infinity).length
          const set = new LinearizedSet(calls, returns, 9)
          const members = new Set<number>()
          for (const raw of toggles) {
            const op = raw % count
            set.toggle(op)
            if (members.has(op)) members.delete(op)
            else members.add(op)
            expect([set.low, set.high]).toEqual(naiveBounds(set, requiredCount))
          }
          const fresh = new LinearizedSet(calls, returns, 9)
          for (const op of [...members].sort((a, b) => b - a)) fresh.toggle(op)
          expect([fresh.hashHigh, fresh.hashLow]).toEqual([set.hashHigh, set.hashLow])
          expect(fresh.optional).toEqual(set.optional)
        },
      ),
      { numRuns: 300, seed: 42 },
    )
  })
  it('linearized-set: optional ops: change only the optional bits, not the hash', () => {
    const set = new LinearizedSet([0, 1, 2], [5, Infinity, 6], 1)
    set.toggle(1)
    expect([set.hashHigh, set.hashLow, set.high]).toEqual([0, 0, -1])
    expect(set.optional[0]).toBe(1)
    expect(set.isOptional(1)).toBe(true)
    expect(set.isOptional(0)).toBe(false)
  })
})
