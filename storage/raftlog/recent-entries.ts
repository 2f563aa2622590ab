/**
 * RecentEntries: the data of each shard's most recently appended entries, kept in memory so the
 * hot path does not read them back from the segment it just wrote. A leader applies an entry
 * and a follower applies it a few milliseconds after appending it; without this, every apply
 * is a pread plus a checksum pass over bytes the process still held.
 *
 * Why no invalidation is needed: a lookup returns a cached entry only if its term equals the
 * term the shard's index holds for that index now, and Raft's log matching property says two
 * entries with the same index and term are the same entry. A truncated or replaced suffix
 * changes the index's term (or shortens the log, which `entries` checks first), so a stale
 * entry is never returned; it just ages out.
 *
 * Bounds: per shard, a window of consecutive indexes, at most `entriesMax` entries and
 * `bytesMax` bytes; past either, the oldest quarter falls off the front. Data is copied into
 * the window's arena (append-only chunks, dropped once no kept entry is in them), so the cache
 * neither pins a received frame nor sees it reused, and holds no object per entry: each entry
 * lives for a second or two, long enough to survive into V8's old generation, and per-entry
 * arrays had been part of what every young-generation GC of a storage node copied. `entries`
 * hands out views into the arena (never written again).
 */
import { ByteArena } from '../../shared/codecs/byte-arena.ts'
import { entryHeaderBytes } from './record.ts'
import type { LogEntry } from './shard-log.ts'

export interface RecentEntriesLimits {
  /** Entries kept per shard. */
  readonly entriesMax: number
  /** Data bytes kept per shard; a larger entry is not kept at all. */
  readonly bytesMax: number
}

/** Arena chunk size: many entries per chunk, and a chunk freed soon after its last entry. */
const chunkBytes = 64 * 1024

interface Window {
  /** Index of terms[0] (and of the other per-entry arrays). */
  first: number
  terms: number[]
  /** Per entry: where its data is in the arena. */
  chunkOf: number[]
  startOf: number[]
  lengthOf: number[]
  arena: ByteArena
  bytes: number
}

function newWindow(first: number): Window {
  const lists = { terms: [], chunkOf: [], startOf: [], lengthOf: [] }
  return { first, ...lists, arena: new ByteArena(chunkBytes), bytes: 0 }
}

export class RecentEntries {
  readonly #limits: RecentEntriesLimits
  readonly #windows = new Map<number, Window>()
  readonly stats = { hits: 0, misses: 0 }

  constructor(limits: RecentEntriesLimits) {
    this.#limits = limits
  }

  /** Remembers entries a write appended to a shard (consecutive indexes). */
  remember(shardId: number, entries: readonly LogEntry[]): void {
    for (const entry of entries) this.#put(shardId, entry)
  }

  /** Forgets a shard (its log was reset or replaced). */
  forget(shardId: number): void {
    this.#windows.delete(shardId)
  }

  /**
   * Entries [lo, hi) of a shard from memory, while `log` (the shard's index) holds the cached
   * term: at least one, then more while their encoded size (header plus data, as on disk)
   * stays within maxBytes. Empty when the first one is not cached; shorter than asked when a
   * later one is not.
   */
  read(
    shardId: number,
    lo: number,
    hi: number,
    maxBytes: number,
    log: { term(index: number): number | undefined },
  ): LogEntry[] {
    const window = this.#windows.get(shardId)
    const out: LogEntry[] = []
    if (window === undefined) return out
    let bytes = 0
    for (let index = lo; index < hi; index++) {
      const slot = index - window.first
      if (slot < 0 || slot >= window.terms.length) break
      const term = window.terms[slot]!
      if (log.term(index) !== term) break
      const data = window.arena.view(
        window.chunkOf[slot]!,
        window.startOf[slot]!,
        window.lengthOf[slot]!,
      )
      bytes += entryHeaderBytes + data.length
      if (out.length > 0 && bytes > maxBytes) break
      out.push({ index, term, data })
    }
    if (out.length > 0) this.stats.hits++
    else this.stats.misses++
    return out
  }

  #put(shardId: number, entry: LogEntry): void {
    const limits = this.#limits
    if (entry.data.length > limits.bytesMax) return this.forget(shardId)
    let window = this.#windows.get(shardId)
    const slot = window === undefined ? -1 : entry.index - window.first
    if (window === undefined || slot < 0 || slot > window.terms.length) {
      // A gap or an index before the window: start over at this entry.
      window = newWindow(entry.index)
      this.#windows.set(shardId, window)
    } else if (slot < window.terms.length) {
      // Overwriting a suffix (a follower's conflicting entries): drop it first (its bytes stay
      // in the arena until their chunk is dropped).
      for (let i = slot; i < window.lengthOf.length; i++) window.bytes -= window.lengthOf[i]!
      window.terms.length = slot
      window.chunkOf.length = slot
      window.startOf.length = slot
      window.lengthOf.length = slot
    }
    const data = entry.data
    window.arena.append(data)
    window.chunkOf.push(window.arena.lastChunk)
    window.startOf.push(window.arena.lastStart)
    window.lengthOf.push(data.length)
    window.terms.push(entry.term)
    window.bytes += data.length
    if (window.terms.length > limits.entriesMax || window.bytes > limits.bytesMax)
      trim(window, limits)
  }
}

/**
 * Drops the oldest quarter of a full window at once (not one entry per append: shifting the
 * arrays is linear in their length).
 */
function trim(window: Window, limits: RecentEntriesLimits): void {
  const entriesKept = Math.floor((limits.entriesMax * 3) / 4)
  const bytesKept = Math.floor((limits.bytesMax * 3) / 4)
  let drop = 0
  let bytes = window.bytes
  while (window.terms.length - drop > entriesKept || bytes > bytesKept) {
    bytes -= window.lengthOf[drop]!
    drop++
  }
  window.terms.splice(0, drop)
  window.chunkOf.splice(0, drop)
  window.startOf.splice(0, drop)
  window.lengthOf.splice(0, drop)
  window.first += drop
  window.bytes = bytes
  // Chunks before the oldest kept entry's are no longer referenced.
  window.arena.dropBefore(window.chunkOf[0] ?? Infinity)
}
