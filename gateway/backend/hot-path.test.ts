// Goal: the hot path never answers an eventual read from the cache with data older than the
// read allowed, and it does cache what is fresh enough. Method: the real detector and cache
// under a manual clock; a key is made hot by reads, then flights are offered with and without
// the replica's reported lag bound, and later reads at chosen ages check hit or miss.
import { describe, expect, it } from 'vitest'
import { utf8 } from '../../shared/codecs/bytes.ts'
import { ManualClock } from '../../test/harness/manual-clock.ts'
import { defaultHotCacheOptions, HotCache } from '../cache/hot-cache.ts'
import { defaultHotKeyDetectorOptions, HotKeyDetector } from '../hot-keys/detector.ts'
import type { GetRequest, StoredItem } from './gateway-backend.ts'
import { HotPath } from './hot-path.ts'

const item: StoredItem = {
  value: utf8('v1'),
  contentType: 'text/plain',
  version: 7,
  timestamp: 1,
  expiresAtMs: null,
}

function hotPath(cacheWarmEventual = false) {
  const clock = new ManualClock({ startMs: 1_000 })
  const hot = new HotPath(clock, {
    detector: new HotKeyDetector(defaultHotKeyDetectorOptions),
    cache: new HotCache(defaultHotCacheOptions),
    options: { maxStalenessMsDefault: 100, cacheWarmEventual },
  })
  return { clock, hot }
}

function eventual(maxStalenessMs: number): GetRequest {
  const ref = { table: 't', partitionKey: utf8('hot'), sortKey: new Uint8Array(0) }
  return { ...ref, consistency: 'eventual', maxStalenessMs }
}

function makeHot(hot: HotPath, request: GetRequest): void {
  for (let i = 0; i < 2_000; i++) hot.beforeRead(request)
  expect(hot.detector.isHot('t/hot')).toBe(true)
}

describe('hot path', () => {
  it('hot path: eventual flight with a lag bound: cached until the bound ages out', () => {
    const { clock, hot } = hotPath()
    const request = eventual(1_000)
    makeHot(hot, request)
    const departedAtMs = clock.monotonicMs()
    hot.afterRead(request, item, { departedAtMs, stalenessBoundMs: 30 })
    clock.advance(900)
    expect(hot.beforeRead(request)?.version).toBe(7) // 930 ms old <= 1000
    clock.advance(100)
    expect(hot.beforeRead(request)).toBeNull() // 1030 ms old > 1000
  })

  it('hot path: eventual flight without a bound: assumed as stale as allowed, never a hit', () => {
    const { clock, hot } = hotPath()
    const request = eventual(1_000)
    makeHot(hot, request)
    hot.afterRead(request, item, { departedAtMs: clock.monotonicMs(), stalenessBoundMs: undefined })
    clock.advance(1)
    expect(hot.beforeRead(request)).toBeNull()
  })

  it('hot path: a write through the gateway invalidates the cached item at once', () => {
    const { clock, hot } = hotPath()
    const request = eventual(1_000)
    makeHot(hot, request)
    hot.afterRead(request, item, { departedAtMs: clock.monotonicMs(), stalenessBoundMs: 0 })
    expect(hot.beforeRead(request)?.version).toBe(7)
    hot.afterWrite(request)
    expect(hot.beforeRead(request)).toBeNull()
  })

  it('hot path: a tighter staleness than the entry age misses even with a bound', () => {
    const { clock, hot } = hotPath()
    makeHot(hot, eventual(1_000))
    hot.afterRead(eventual(1_000), item, {
      departedAtMs: clock.monotonicMs(),
      stalenessBoundMs: 50,
    })
    clock.advance(10)
    expect(hot.beforeRead(eventual(40))).toBeNull() // 60 ms old > 40
    expect(hot.beforeRead(eventual(100))?.version).toBe(7)
  })

  it('hot path: a cold key: cached for eventual reads only when warm caching is on', () => {
    for (const warm of [false, true]) {
      const { clock, hot } = hotPath(warm)
      const request = eventual(1_000)
      expect(hot.beforeRead(request)).toBeNull()
      expect(hot.detector.isHot('t/hot')).toBe(false)
      hot.afterRead(request, item, { departedAtMs: clock.monotonicMs(), stalenessBoundMs: 20 })
      clock.advance(500)
      expect(hot.beforeRead(request)?.version ?? null).toBe(warm ? 7 : null)
    }
  })

  it('hot path: a cold key read strongly is never cached, even with warm caching', () => {
    const { clock, hot } = hotPath(true)
    const ref = { table: 't', partitionKey: utf8('cold'), sortKey: new Uint8Array(0) }
    const strong: GetRequest = { ...ref, consistency: 'strong' }
    hot.afterRead(strong, item, { departedAtMs: clock.monotonicMs(), stalenessBoundMs: undefined })
    expect(hot.cache.stats.stored).toBe(0)
  })

  it('hot path: cache hits counted in a batch: the hot-keys report has every read', () => {
    const { clock, hot } = hotPath()
    const request = eventual(1_000)
    makeHot(hot, request)
    hot.afterRead(request, item, { departedAtMs: clock.monotonicMs(), stalenessBoundMs: 0 })
    for (let i = 0; i < 3_000; i++) expect(hot.cachedEventual(request)?.version).toBe(7)
    const [report] = hot.top({ windowMs: 10_000, limit: 1 })
    expect(report).toMatchObject({ table: 't', key: 'hot', count: 5_000 })
    expect(hot.detector.stats.reads).toBe(5_000)
  })
})
