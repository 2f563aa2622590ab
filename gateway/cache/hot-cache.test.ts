// Goal: the hot cache serves eventual reads only within their staleness bound, stays within
// its byte budget, and never lets a read that may have missed a write repopulate the key.
// Method: explicit nowMs values; byte sizes chosen so evictions are predictable.
import { describe, expect, it } from 'vitest'
import { entryOverheadBytes, HotCache, type CachedItem } from './hot-cache.ts'

function item(version: number, bytes = 10): CachedItem {
  return { value: new Uint8Array(bytes).fill(version), contentType: 'a/b', version, timestamp: 1 }
}

describe('hot-cache', () => {
  it('hot-cache: within and past maxStalenessMs: hit then miss', () => {
    const cache = new HotCache({ cacheBytesMax: 10_000, entryBytesMax: 1_000 })
    expect(cache.set('k', item(1), { readAtMs: 100 })).toBe('stored')
    expect(cache.get('k', { nowMs: 150, maxStalenessMs: 50 })?.version).toBe(1)
    expect(cache.get('k', { nowMs: 151, maxStalenessMs: 50 })).toBeNull()
    expect(cache.get('k', { nowMs: 151, maxStalenessMs: 100 })?.version).toBe(1)
    expect(cache.stats).toMatchObject({ hits: 2, tooStale: 1 })
  })

  it('hot-cache: write invalidates: a read that departed before it cannot refill', () => {
    const cache = new HotCache({ cacheBytesMax: 10_000, entryBytesMax: 1_000 })
    cache.set('k', item(1), { readAtMs: 100 })
    cache.invalidate('k', { nowMs: 200 })
    expect(cache.get('k', { nowMs: 201, maxStalenessMs: 1_000 })).toBeNull()
    expect(cache.set('k', item(1), { readAtMs: 150 })).toBe('invalidated-since')
    expect(cache.set('k', item(1), { readAtMs: 200 })).toBe('invalidated-since')
    expect(cache.set('k', item(2), { readAtMs: 201 })).toBe('stored')
    expect(cache.get('k', { nowMs: 202, maxStalenessMs: 10 })?.version).toBe(2)
  })

  it('hot-cache: older version after a newer one: refused', () => {
    const cache = new HotCache({ cacheBytesMax: 10_000, entryBytesMax: 1_000 })
    cache.set('k', item(5), { readAtMs: 100 })
    expect(cache.set('k', item(4), { readAtMs: 120 })).toBe('older-version')
    expect(cache.get('k', { nowMs: 130, maxStalenessMs: 100 })?.version).toBe(5)
  })

  it('hot-cache: byte budget: least recently used evicted, total stays bounded', () => {
    const perEntry = 2 * 2 + entryOverheadBytes + 100 + 2 * 3 // key "kN", 100 B value
    const cache = new HotCache({ cacheBytesMax: perEntry * 3, entryBytesMax: perEntry })
    for (const i of [1, 2, 3]) cache.set(`k${i}`, item(i, 100), { readAtMs: 0 })
    cache.get('k1', { nowMs: 0, maxStalenessMs: 10 }) // k1 is now most recent
    cache.set('k4', item(4, 100), { readAtMs: 0 })
    expect(cache.get('k2', { nowMs: 0, maxStalenessMs: 10 })).toBeNull()
    expect(cache.get('k1', { nowMs: 0, maxStalenessMs: 10 })).not.toBeNull()
    expect(cache.sizeBytes).toBeLessThanOrEqual(perEntry * 3)
    expect(cache.stats.evictions).toBe(1)
  })

  it('hot-cache: value over entryBytesMax: not cached', () => {
    const cache = new HotCache({ cacheBytesMax: 10_000, entryBytesMax: 500 })
    expect(cache.set('k', item(1, 600), { readAtMs: 0 })).toBe('too-large')
    expect(cache.get('k', { nowMs: 0, maxStalenessMs: 10 })).toBeNull()
    expect(cache.entryCount).toBe(0)
  })
})
