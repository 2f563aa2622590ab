// LeaderCache: hints reorder targets; forgetting only removes the node that is cached.
import { describe, expect, it } from 'vitest'
import { LeaderCache } from './leader-cache.ts'

describe('leader cache', () => {
  it('leader cache: no hint: placement order', () => {
    expect(new LeaderCache().targets(1, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c'])
  })
  it('leader cache: learned leader: goes first', () => {
    const cache = new LeaderCache()
    cache.learn(1, 'c')
    expect(cache.targets(1, ['a', 'b', 'c'])).toEqual(['c', 'a', 'b'])
    expect(cache.targets(2, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c'])
  })
  it('leader cache: forget another node: keeps the cached leader', () => {
    const cache = new LeaderCache()
    cache.learn(1, 'c')
    cache.forget(1, 'a')
    expect(cache.leaderOf(1)).toBe('c')
    cache.forget(1, 'c')
    expect(cache.leaderOf(1)).toBeUndefined()
  })
  it('leader cache: hint outside the replica set: ignored for ordering', () => {
    const cache = new LeaderCache()
    cache.learn(1, 'z')
    expect(cache.targets(1, ['a', 'b'])).toEqual(['a', 'b'])
  })
})
