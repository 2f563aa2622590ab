/**
 * Read path over one consistent view (memtables + a pinned Version): the latest readable entry
 * of a key, all entries of a key, and grouped range scans. Sources are visited newest first; a
 * table is skipped when its bloom filter, key range, sequence range or timestamp bound shows it
 * cannot hold a better answer than the one already found.
 */
import type { Clock } from '../../shared/time/clock.ts'
import type { InternalIterator } from './iterator.ts'
import {
  compareInternal,
  compareToUserKey,
  hasUserKey,
  Kind,
  kindOf,
  lastKeyFor,
  seekKeyFor,
  seqOf,
  timestampOf,
  userKeyOf,
  versionOf,
} from './internal-key.ts'
import type { LevelFences } from './level-fences.ts'
import type { FileMeta, Version } from './manifest/version.ts'
import type { Memtable } from './memtable.ts'
import { NONE } from './skiplist.ts'
import { LevelIterator, MergingIterator } from './merging-iterator.ts'
import { isExpired, type Entry, type Retention } from './retention.ts'
import { bloomHash } from './sstable/bloom.ts'
import type { TableReader } from './sstable/reader.ts'

export interface ReadView {
  /** Active memtable first, then immutable ones, newest first. */
  readonly memtables: readonly Memtable[]
  readonly version: Version
  /** Per level of `version`, the file search of sorted levels (unused for L0). */
  readonly fences: readonly LevelFences[]
  readonly table: (fileNo: number) => TableReader
}

function containsUserKey(file: FileMeta, userKey: Uint8Array): boolean {
  return (
    compareToUserKey(file.smallest, userKey) <= 0 && compareToUserKey(file.largest, userKey) >= 0
  )
}

/** Candidate tables for a key, newest first. */
function tablesFor(view: ReadView, userKey: Uint8Array): FileMeta[] {
  const out: FileMeta[] = []
  for (const file of view.version.levels[0]!) if (containsUserKey(file, userKey)) out.push(file)
  for (let level = 1; level < view.fences.length; level++) {
    const file = view.fences[level]!.find(userKey)
    if (file !== undefined) out.push(file)
  }
  return out
}

function cannotBeat(file: FileMeta, best: Entry | undefined): boolean {
  if (best === undefined) return false
  const timestamp = timestampOf(best.ikey)
  if (file.maxTimestamp !== timestamp) return file.maxTimestamp < timestamp
  return file.maxVersion <= versionOf(best.ikey)
}

/** Arguments of one point lookup, shared by every source it probes (no closures per get). */
interface Lookup {
  readonly userKey: Uint8Array
  readonly hash: number
  readonly snapshot: number
  /** The read time, NaN until an entry that can expire asks for it (one clock read at most). */
  nowMs: number
  readonly clock: Clock
  readonly retention: Retention
}

/** True when a read at the lookup's snapshot may return this entry (tombstones included). */
function answers(ikey: Uint8Array, value: Uint8Array, q: Lookup): boolean {
  if (seqOf(ikey) > q.snapshot) return false
  if (kindOf(ikey) === Kind.delete) return true
  // Expiry 0 (one byte, never) and no table TTL to apply: nothing to ask the clock.
  const ttl = q.retention.ttlMs === undefined || timestampOf(ikey) === 0
  if (ttl && (value.length === 0 || value[0] === 0)) return true
  if (Number.isNaN(q.nowMs)) q.nowMs = q.clock.wallMs()
  return !isExpired(ikey, value, q.retention, q.nowMs)
}

/** The first entry of the key a memtable answers with: a direct skip-list search. */
function latestInMemtable(memtable: Memtable, q: Lookup): Entry | undefined {
  if (!memtable.mayContain(q.hash)) return undefined
  let node = memtable.seekUserKey(q.userKey)
  while (node !== NONE) {
    const ikey = memtable.keyOf(node)
    if (!hasUserKey(ikey, q.userKey)) return undefined
    const value = memtable.valueOf(node)
    if (answers(ikey, value, q)) return { ikey, value }
    node = memtable.nextOf(node)
  }
  return undefined
}

/**
 * The first entry of the key a table answers with, searching decoded blocks directly. The bloom
 * filter is asked only before a block must be read: on a cached block the search costs what the
 * filter's probes would (a few cache lines) and a key that is there skips them.
 */
function latestInTable(table: TableReader, q: Lookup): Entry | undefined {
  let b = table.blockForUser(q.userKey)
  if (b === table.blockCount) return undefined
  let block = table.cachedBlock(b)
  if (block === undefined) {
    if (!table.mayContain(q.hash)) return undefined
    block = table.block(b)
  }
  let i = block.findUser(q.userKey)
  if (i < 0) return undefined
  for (;;) {
    for (; i < block.count; i++) {
      if (!block.hasUserKeyAt(i, q.userKey)) return undefined
      const ikey = block.keyAt(i)
      const value = block.valueAt(i)
      if (answers(ikey, value, q)) return { ikey, value }
    }
    if (++b === table.blockCount) return undefined
    block = table.block(b)
    i = 0
  }
}

function probeFile(view: ReadView, file: FileMeta, q: Lookup, best: Entry | undefined) {
  if (file.minSeq > q.snapshot || cannotBeat(file, best)) return best
  const found = latestInTable(view.table(file.fileNo), q)
  return found !== undefined && (best === undefined || compareInternal(found.ikey, best.ikey) < 0)
    ? found
    : best
}

/**
 * The first entry of `userKey` a read at `snapshot` returns: a value or a tombstone (the caller
 * treats a tombstone as absent).
 */
export function findLatest(
  view: ReadView,
  userKey: Uint8Array,
  snapshot: number,
  time: { readonly nowMs: number | undefined; readonly clock: Clock },
  retention: Retention,
): Entry | undefined {
  const hash = bloomHash(userKey)
  const nowMs = time.nowMs ?? Number.NaN
  const q: Lookup = { userKey, hash, snapshot, nowMs, clock: time.clock, retention }
  let best: Entry | undefined
  for (const memtable of view.memtables) {
    const found = latestInMemtable(memtable, q)
    if (found !== undefined && (best === undefined || compareInternal(found.ikey, best.ikey) < 0)) {
      best = found
    }
  }
  const levels = view.version.levels
  for (const file of levels[0]!)
    if (containsUserKey(file, userKey)) best = probeFile(view, file, q, best)
  for (let level = 1; level < view.fences.length; level++) {
    const file = view.fences[level]!.find(userKey)
    if (file !== undefined) best = probeFile(view, file, q, best)
  }
  return best
}

/** Every entry of `userKey` in LSM order (for versions()). */
export function collectKey(view: ReadView, userKey: Uint8Array): Entry[] {
  const seek = seekKeyFor(userKey)
  const out: Entry[] = []
  const take = (it: InternalIterator): void => {
    for (it.seekGE(seek); it.valid() && hasUserKey(it.key(), userKey); it.next()) {
      out.push({ ikey: it.key(), value: it.value() })
    }
  }
  for (const memtable of view.memtables) take(memtable.iterator())
  const hash = bloomHash(userKey)
  for (const file of tablesFor(view, userKey)) {
    const table = view.table(file.fileNo)
    if (table.mayContain(hash)) take(table.iterator())
  }
  return out.sort((a, b) => compareInternal(a.ikey, b.ikey))
}

export interface ScanBounds {
  readonly gte?: Uint8Array
  readonly gt?: Uint8Array
  readonly lte?: Uint8Array
  readonly lt?: Uint8Array
  readonly prefix?: Uint8Array
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false
  return true
}

function compareRaw(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

export function inBounds(key: Uint8Array, b: ScanBounds): boolean {
  if (b.prefix !== undefined && !startsWith(key, b.prefix)) return false
  if (b.gte !== undefined && compareRaw(key, b.gte) < 0) return false
  if (b.gt !== undefined && compareRaw(key, b.gt) <= 0) return false
  if (b.lte !== undefined && compareRaw(key, b.lte) > 0) return false
  if (b.lt !== undefined && compareRaw(key, b.lt) >= 0) return false
  return true
}

function viewIterator(view: ReadView): InternalIterator {
  const children: InternalIterator[] = view.memtables.map((m) => m.iterator())
  for (const file of view.version.levels[0]!) children.push(view.table(file.fileNo).iterator())
  for (let level = 1; level < view.version.levels.length; level++) {
    const files = view.version.levels[level]!
    if (files.length > 0) children.push(new LevelIterator(files, view.table))
  }
  return new MergingIterator(children)
}

function seekStart(it: InternalIterator, b: ScanBounds, reverse: boolean): void {
  if (!reverse) {
    const lows = [b.gte, b.gt, b.prefix].filter((k): k is Uint8Array => k !== undefined)
    const low = lows.sort(compareRaw).at(-1)
    if (low === undefined) it.first()
    else it.seekGE(seekKeyFor(low))
    return
  }
  if (b.lt !== undefined) it.seekLT(seekKeyFor(b.lt))
  else if (b.lte !== undefined) it.seekLT(lastKeyFor(b.lte))
  else it.last()
}

/** True once the scan has passed every key the bounds allow. */
function pastEnd(key: Uint8Array, b: ScanBounds, reverse: boolean): boolean {
  if (reverse) {
    if (b.prefix !== undefined && compareRaw(key, b.prefix) < 0) return true
    if (b.gte !== undefined && compareRaw(key, b.gte) < 0) return true
    return b.gt !== undefined && compareRaw(key, b.gt) <= 0
  }
  if (b.prefix !== undefined && compareRaw(key, b.prefix) > 0 && !startsWith(key, b.prefix)) {
    return true
  }
  if (b.lte !== undefined && compareRaw(key, b.lte) > 0) return true
  return b.lt !== undefined && compareRaw(key, b.lt) >= 0
}

/** Groups of entries per user key in bound order; each group is in LSM order. */
export function* scanGroups(view: ReadView, b: ScanBounds, reverse: boolean): Generator<Entry[]> {
  const it = viewIterator(view)
  seekStart(it, b, reverse)
  let group: Entry[] = []
  const flush = (): Entry[] => {
    const out = reverse ? group.reverse() : group
    group = []
    return out
  }
  while (it.valid()) {
    const ikey = it.key()
    const userKey = userKeyOf(ikey)
    if (group.length > 0 && !hasUserKey(group[0]!.ikey, userKey)) {
      const done = flush()
      if (inBounds(userKeyOf(done[0]!.ikey), b)) yield done
    }
    if (pastEnd(userKey, b, reverse)) break
    group.push({ ikey, value: it.value() })
    if (reverse) it.prev()
    else it.next()
  }
  if (group.length > 0) {
    const done = flush()
    if (inBounds(userKeyOf(done[0]!.ikey), b)) yield done
  }
}
