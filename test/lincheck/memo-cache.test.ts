// MemoCache: a configuration is `present` when the same required set and state were cached with
// a subset of its optional ops (dominance), `added` otherwise, and `full` once the byte bound
// would be passed; the cache never grows past its bound.
import { describe, expect, it } from 'vitest'
import { LinearizedSet } from './linearized-set.ts'
import { MemoCache } from './memo-cache.ts'

// Ops 0 and 1 are required, 2 and 3 optional (unknown outcome).
const newSet = () => new LinearizedSet([0, 1, 2, 3], [4, 5, Infinity, Infinity], 3)

describe('MemoCache', () => {
  it('memo-cache: same set and state twice: added, then present', () => {
    const cache = new MemoCache(1 << 20)
    const set = newSet()
    set.toggle(0)
    expect(cache.add(set, 7)).toBe('added')
    expect(cache.add(set, 7)).toBe('present')
    expect(cache.add(set, 8)).toBe('added')
    set.toggle(1)
    expect(cache.add(set, 7)).toBe('added')
    expect(cache.size).toBe(3)
  })
  it('memo-cache: more optional ops than a cached twin: dominated, present', () => {
    const cache = new MemoCache(1 << 20)
    const set = newSet()
    set.toggle(0)
    set.toggle(2)
    expect(cache.add(set, 1)).toBe('added')
    set.toggle(3)
    expect(cache.add(set, 1)).toBe('present') // {2,3} includes the cached {2}
    set.toggle(2)
    expect(cache.add(set, 1)).toBe('added') // {3} does not include {2}
    set.toggle(3)
    expect(cache.add(set, 1)).toBe('added') // {} does not include {2} or {3}
    set.toggle(2)
    set.toggle(3)
    expect(cache.add(set, 1)).toBe('present')
  })
  it('memo-cache: byte bound: full instead of growing past it', () => {
    const cache = new MemoCache(200)
    const set = newSet()
    let results: string[] = []
    for (let state = 0; state < 10; state++) results.push(cache.add(set, state))
    results = [...new Set(results)]
    expect(results).toEqual(['added', 'full'])
    expect(cache.bytes).toBeLessThanOrEqual(200)
  })
})
