/**
 * HotPath: the gateway's hot-key handling around the backend. Every request's partition key
 * feeds the HotKeyDetector (reads and writes apart); eventual reads of a hot key (and, with
 * cacheWarmEventual, of any key read eventually) are answered from the HotCache while its entry
 * is within the read's maxStalenessMs; every write through
 * this gateway invalidates the key's cache entry. It is also the HotKeySource behind
 * GET /v1/hotkeys.
 *
 * Staleness of what is cached. An entry's age is measured from `readAtMs`, an instant at which
 * the value was known current: for a strong flight, its departure (the leader answered after a
 * ReadIndex taken after departure); for an eventual flight, its departure minus the staleness
 * the replica was allowed, because a follower may already have lagged by that much. So a cache
 * hit is never staler than the maxStalenessMs its reader asked for.
 *
 * Keys: detector keys are `table/partitionKey` (table names cannot contain '/'), so the hot-key
 * report splits them back; cache keys are per item (sort key included).
 */
import { fromUtf8 } from '../../shared/codecs/bytes.ts'
import type { Clock } from '../../shared/time/clock.ts'
import type { CachedItem, HotCache } from '../cache/hot-cache.ts'
import { coalescingKey } from '../coalescer/coalescing-key.ts'
import type { HotKeyDetector } from '../hot-keys/detector.ts'
import type { HotKey, HotKeySource } from '../routes/hot-keys.ts'
import type { GetRequest, ItemRef, StoredItem } from './gateway-backend.ts'

export interface HotPathOptions {
  /** Staleness an eventual read accepts when it does not say (ARCHITECTURE.md: 100 ms). */
  readonly maxStalenessMsDefault: number
  /**
   * Also cache eventual answers of keys that are not (yet) hot. Under Zipf traffic most reads
   * go to the warm middle of the distribution, below the hot threshold but read several times
   * within a staleness window; the byte-bounded LRU keeps the most recent. Strong answers of
   * cold keys are never cached (strong reads do not use the cache).
   */
  readonly cacheWarmEventual: boolean
}

/** An item's detector and cache keys, computed once (the fast path memoizes them per URL). */
export interface ReadKeys {
  readonly detectorKey: string
  readonly cacheKey: string
}

export class HotPath implements HotKeySource {
  readonly #clock: Clock
  readonly #detector: HotKeyDetector
  readonly #cache: HotCache
  readonly #options: HotPathOptions
  readonly #keys = new WeakMap<ItemRef, ReadKeys>()

  constructor(
    clock: Clock,
    deps: { detector: HotKeyDetector; cache: HotCache; options: HotPathOptions },
  ) {
    this.#clock = clock
    this.#detector = deps.detector
    this.#cache = deps.cache
    this.#options = deps.options
  }

  get detector(): HotKeyDetector {
    return this.#detector
  }

  get cache(): HotCache {
    return this.#cache
  }

  /**
   * An item's keys, memoized per ref object: the edge's fast path passes the same request
   * object for every read of one URL, so a hot key's strings are built once, not per read.
   */
  readKeys(ref: ItemRef): ReadKeys {
    let keys = this.#keys.get(ref)
    if (keys === undefined) {
      keys = { detectorKey: this.#detectorKey(ref), cacheKey: this.#cacheKey(ref) }
      this.#keys.set(ref, keys)
    }
    return keys
  }

  #detectorKey(ref: ItemRef): string {
    return `${ref.table}/${fromUtf8(ref.partitionKey)}`
  }

  #cacheKey(ref: ItemRef): string {
    return coalescingKey({ ...ref, tenant: ref.table, variant: 'cache' })
  }

  #stalenessMs(request: { maxStalenessMs?: number }): number {
    return request.maxStalenessMs ?? this.#options.maxStalenessMsDefault
  }

  /**
   * The edge fast path's eventual read (no asOf): the cached item when `beforeRead` would
   * answer it from the cache, counted exactly as `beforeRead` counts it (a detector read, a
   * cache hit); otherwise null with nothing counted, and the read takes the full path.
   * `nowMs` is the clock's monotonic time, when the caller has just read it.
   */
  cachedEventual(
    request: GetRequest,
    nowMs: number = this.#clock.monotonicMs(),
  ): CachedItem | null {
    if (request.consistency !== 'eventual' || request.asOf !== undefined) return null
    const keys = this.readKeys(request)
    if (!this.#options.cacheWarmEventual && !this.#detector.isHot(keys.detectorKey)) return null
    const cached = this.#cache.hit(keys.cacheKey, {
      nowMs,
      maxStalenessMs: this.#stalenessMs(request),
    })
    if (cached === null) return null
    this.#detector.record(keys.detectorKey, { kind: 'read', nowMs: this.#clock.wallMs() })
    return cached
  }

  /** Counts a read; for an eventual read of a hot key, a fresh enough cached item or null. */
  beforeRead(request: GetRequest): StoredItem | null {
    const keys = this.readKeys(request)
    const hot = this.#detector.record(keys.detectorKey, {
      kind: 'read',
      nowMs: this.#clock.wallMs(),
    })
    if (request.consistency !== 'eventual' || request.asOf !== undefined) return null
    if (!hot && !this.#options.cacheWarmEventual) return null
    const cached = this.#cache.get(keys.cacheKey, {
      nowMs: this.#clock.monotonicMs(),
      maxStalenessMs: this.#stalenessMs(request),
    })
    return cached === null ? null : { ...cached, expiresAtMs: null }
  }

  /**
   * Offers a flight's item to the cache when the key is hot. An eventual answer is as old as
   * the replica's reported lag bound (the node measured it after the flight departed), else as
   * old as the read allowed.
   */
  afterRead(
    request: GetRequest,
    item: StoredItem,
    flight: { departedAtMs: number; stalenessBoundMs: number | undefined },
  ): void {
    if (request.asOf !== undefined || item.expiresAtMs !== null) return // expiry must be exact
    const warm = this.#options.cacheWarmEventual && request.consistency === 'eventual'
    const keys = this.readKeys(request)
    if (!warm && !this.#detector.isHot(keys.detectorKey)) return
    const { departedAtMs } = flight
    const lagMs = flight.stalenessBoundMs ?? this.#stalenessMs(request)
    const readAtMs = request.consistency === 'strong' ? departedAtMs : departedAtMs - lagMs
    this.#cache.set(keys.cacheKey, item, { readAtMs })
  }

  /** Counts a write and invalidates the item's cache entry (call after the write answered). */
  afterWrite(ref: ItemRef): void {
    const keys = this.readKeys(ref)
    this.#detector.record(keys.detectorKey, { kind: 'write', nowMs: this.#clock.wallMs() })
    this.#cache.invalidate(keys.cacheKey, { nowMs: this.#clock.monotonicMs() })
  }

  top(query: { windowMs: number; limit: number }): readonly HotKey[] {
    void query.windowMs // the detector's window is fixed by its options; see its comment
    return this.#detector.top(this.#clock.wallMs(), { limit: query.limit }).map((report) => {
      const slash = report.key.indexOf('/')
      return { ...report, table: report.key.slice(0, slash), key: report.key.slice(slash + 1) }
    })
  }
}
