// Goal: the memo stays bounded, keeps values looked up in every generation (same object, not
// recomputed), and forgets those left alone for two generations. Method: count computations.
import { describe, expect, it } from 'vitest'
import { GenerationalMemo } from './generational-memo.ts'

describe('GenerationalMemo', () => {
  it('generational-memo: a key used once per generation is computed once', () => {
    let computed = 0
    const memo = new GenerationalMemo(4, (key: string) => ({ key, n: ++computed }))
    const hot = memo.get('hot')
    for (let i = 0; i < 100; i++) {
      memo.get(`cold-${i}`)
      if (i % 3 === 0) expect(memo.get('hot')).toBe(hot)
      expect(memo.size).toBeLessThanOrEqual(8)
    }
    expect(hot.n).toBe(1)
    expect(computed).toBe(101) // 'hot' once, every cold key once
  })

  it('generational-memo: a key left alone for two generations is computed again', () => {
    let computed = 0
    const memo = new GenerationalMemo(2, (key: number) => ({ key, n: ++computed }))
    const first = memo.get(0)
    memo.get(1) // generation 1 full: [0, 1]
    memo.get(2) // rotates: previous [0, 1], current [2]
    expect(memo.get(0)).toBe(first) // found in the previous generation, moved to the current
    memo.get(3) // rotates: previous [2, 0], current [3]
    memo.get(4)
    memo.get(5) // rotates: previous [3, 4], current [5]: 0 is gone
    const again = memo.get(0)
    expect(again).not.toBe(first)
    expect(again).toEqual({ key: 0, n: computed })
  })

  it('generational-memo: null values are memoized; a bound below 1 is refused', () => {
    let computed = 0
    const memo = new GenerationalMemo(8, () => {
      computed++
      return null
    })
    expect(memo.get('x')).toBeNull()
    expect(memo.get('x')).toBeNull()
    expect(computed).toBe(1)
    expect(() => new GenerationalMemo(0, () => 1)).toThrow(/generationMax/)
  })
})
