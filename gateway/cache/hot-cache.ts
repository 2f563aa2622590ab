/**
 * HotCache: a bounded LRU (lru-cache, by bytes) of hot keys' values for eventual reads.
 *
 * Staleness. Each entry remembers `readAtMs`, when the backend read that produced it departed
 * (the value was current at some instant at or after it). `get` answers only while
 * nowMs - readAtMs <= maxStalenessMs, so an eventual read is never staler than it allowed.
 * Time is an argument (the gateway's monotonic ms); the cache never reads a clock.
 *
 * Writes. A write through this gateway calls `invalidate`, which replaces the entry with a
 * small tombstone. A `set` whose read departed at or before the tombstone's time is refused:
 * that read may have missed the write. (If LRU pressure evicts the tombstone, a late set is
 * accepted; the staleness bound still holds, read-your-writes is best effort.) A set never
 * replaces a newer version with an older one.
 *
 * Limits: total bytes (cacheBytesMax) and bytes per entry (entryBytesMax, larger values are
 * not cached so one value cannot flush the cache). Sizes count the value, the content type and
 * the key, plus a fixed per-entry overhead estimate.
 */
import { LRUCache } from 'lru-cache'
import { assert } from '../../shared/assert.ts'
import { limits } from '../../shared/limits.ts'

export const entryOverheadBytes = 96

export interface CachedItem {
  readonly value: Uint8Array
  readonly contentType: string
  readonly version: number
  readonly timestamp: number
}

type Entry =
  | { readonly kind: 'item'; readonly item: CachedItem; readonly readAtMs: number }
  | { readonly kind: 'tombstone'; readonly invalidatedAtMs: number }

export type SetOutcome = 'stored' | 'too-large' | 'invalidated-since' | 'older-version'

export interface HotCacheOptions {
  readonly cacheBytesMax: number
  readonly entryBytesMax: number
}

export const defaultHotCacheOptions: HotCacheOptions = {
  cacheBytesMax: limits.hotCacheBytesMax,
  entryBytesMax: limits.hotCacheEntryBytesMax,
}

export class HotCache {
  readonly stats = {
    hits: 0,
    misses: 0,
    tooStale: 0,
    stored: 0,
    refused: 0,
    invalidations: 0,
    evictions: 0,
  }
  readonly #options: HotCacheOptions
  readonly #lru: LRUCache<string, Entry>

  constructor(options: HotCacheOptions) {
    assert(options.cacheBytesMax > 0, 'cacheBytesMax must be positive')
    assert(options.entryBytesMax > 0, 'entryBytesMax must be positive')
    assert(options.entryBytesMax <= options.cacheBytesMax, 'an entry must fit the cache')
    this.#options = options
    this.#lru = new LRUCache<string, Entry>({
      maxSize: options.cacheBytesMax,
      sizeCalculation: (entry, key) => entryBytes(key, entry),
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') this.stats.evictions++
      },
    })
  }

  /** The cached item if it is at most maxStalenessMs old at nowMs; else null (a miss). */
  get(key: string, options: { nowMs: number; maxStalenessMs: number }): CachedItem | null {
    assert(options.maxStalenessMs >= 0, 'maxStalenessMs must not be negative')
    const entry = this.#lru.get(key)
    if (entry === undefined || entry.kind === 'tombstone') {
      this.stats.misses++
      return null
    }
    if (options.nowMs - entry.readAtMs > options.maxStalenessMs) {
      this.stats.tooStale++
      return null
    }
    this.stats.hits++
    return entry.item
  }

  /**
   * For a caller with another way to answer a miss (the edge's fast path, which then hands the
   * read to the full path, where `get` counts it): the fresh item, counted as a hit; on a miss
   * null and nothing counted, so no read is counted twice.
   */
  hit(key: string, options: { nowMs: number; maxStalenessMs: number }): CachedItem | null {
    const entry = this.#lru.get(key)
    if (entry === undefined || entry.kind === 'tombstone') return null
    if (options.nowMs - entry.readAtMs > options.maxStalenessMs) return null
    this.stats.hits++
    return entry.item
  }

  /** Stores the result of a backend read that departed at readAtMs, unless refused. */
  set(key: string, item: CachedItem, options: { readAtMs: number }): SetOutcome {
    const outcome = this.#admit(key, item, options.readAtMs)
    if (outcome !== 'stored') {
      this.stats.refused++
      return outcome
    }
    this.#lru.set(key, { kind: 'item', item, readAtMs: options.readAtMs })
    this.stats.stored++
    return outcome
  }

  /** A write to `key` was acknowledged at nowMs: drop the value, refuse older reads. */
  invalidate(key: string, options: { nowMs: number }): void {
    this.stats.invalidations++
    this.#lru.set(key, { kind: 'tombstone', invalidatedAtMs: options.nowMs })
  }

  /** Bytes held, as counted against cacheBytesMax. */
  get sizeBytes(): number {
    return this.#lru.calculatedSize
  }

  get entryCount(): number {
    return this.#lru.size
  }

  #admit(key: string, item: CachedItem, readAtMs: number): SetOutcome {
    const bytes = entryBytes(key, { kind: 'item', item, readAtMs })
    if (bytes > this.#options.entryBytesMax) return 'too-large'
    const current = this.#lru.peek(key)
    if (current?.kind === 'tombstone' && readAtMs <= current.invalidatedAtMs) {
      return 'invalidated-since'
    }
    if (current?.kind === 'item' && item.version < current.item.version) return 'older-version'
    return 'stored'
  }
}

function entryBytes(key: string, entry: Entry): number {
  const keyBytes = 2 * key.length + entryOverheadBytes
  if (entry.kind === 'tombstone') return keyBytes
  return keyBytes + entry.item.value.byteLength + 2 * entry.item.contentType.length
}
