/**
 * Read path over one consistent view (memtables + a pinned Version): the latest readable entry
 * of a key, all entries of a key, and grouped range scans. Sources are visited newest first; a
 * table is skipped when its bloom filter, key range, sequence range or timestamp bound shows it
 * cannot hold a better answer than the one already found.
 */
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
} from './internal-key.ts'
import type { LevelFences } from './level-fences.ts'
import type { FileMeta, Version } from './manifest/version.ts'
import type { Memtable } from './memtable.ts'
import type { PointLookup } from './point-lookup.ts'
import { NONE } from './skiplist.ts'
import { LevelIterator, MergingIterator } from './merging-iterator.ts'
import { isExpired, type Entry } from './retention.ts'
import { bloomHash } from './sstable/bloom.ts'
import type { DecodedBlock } from './sstable/decoded-block.ts'
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

/**
 * True when no entry with at most these timestamp and version maxima (a file's, a level's) can
 * sort before the answer found so far (an older source holds older sequence numbers).
 */
function cannotBeat(max: { maxTimestamp: number; maxVersion: number }, q: PointLookup): boolean {
  if (!q.found) return false
  const timestamp = q.timestamp
  if (max.maxTimestamp !== timestamp) return max.maxTimestamp < timestamp
  return max.maxVersion <= q.version
}

/** True when a read at the lookup's snapshot may return this entry (tombstones included). */
function answers(ikey: Uint8Array, value: Uint8Array, q: PointLookup): boolean {
  if (seqOf(ikey) > q.snapshot) return false
  if (kindOf(ikey) === Kind.delete) return true
  // Expiry 0 (one byte, never) and no table TTL to apply: nothing to ask the clock.
  const ttl = q.retention.ttlMs === undefined || timestampOf(ikey) === 0
  if (ttl && (value.length === 0 || value[0] === 0)) return true
  return !isExpired(ikey, value, q.retention, q.nowMs())
}

/** answers() for entry i of a block, reading its fields in place (no views). */
function answersAt(block: DecodedBlock, i: number, q: PointLookup): boolean {
  if (block.seqAt(i) > q.snapshot) return false
  if (block.kindAt(i) === Kind.delete) return true
  const ttl = q.retention.ttlMs === undefined || block.timestampAt(i) === 0
  if (ttl && block.neverExpiresAt(i)) return true
  return !isExpired(block.keyAt(i), block.valueAt(i), q.retention, q.nowMs())
}

/** The first entry of the key a memtable answers with: a direct skip-list search. */
function probeMemtable(memtable: Memtable, q: PointLookup): void {
  let node = memtable.firstNodeOf(q.userKey, q.hash)
  while (node !== NONE) {
    const ikey = memtable.keyOf(node)
    if (!hasUserKey(ikey, q.userKey)) return
    const value = memtable.valueOf(node)
    if (answers(ikey, value, q)) {
      if (!q.found || compareInternal(ikey, q.ikey) < 0) q.answerWith(ikey, value)
      return
    }
    node = memtable.nextOf(node)
  }
}

/**
 * The first entry of the key a table answers with, searching decoded blocks directly. The bloom
 * filter is asked only before a block must be read: on a cached block the search costs what the
 * filter's probes would (a few cache lines) and a key that is there skips them.
 */
function probeTable(table: TableReader, q: PointLookup): void {
  let b = table.blockForUser(q.userKey)
  if (b === table.blockCount) return
  let block = table.cachedBlock(b)
  if (block === undefined) {
    if (!table.mayContain(q.hash)) return
    block = table.block(b)
  }
  let i = block.findUser(q.userKey)
  if (i < 0) return
  for (;;) {
    for (; i < block.count; i++) {
      if (!block.hasUserKeyAt(i, q.userKey)) return
      if (!answersAt(block, i, q)) continue
      if (!q.found || compareInternal(block.keyAt(i), q.ikey) < 0) q.answerInBlock(block, i)
      return
    }
    if (++b === table.blockCount) return
    block = table.block(b)
    i = 0
  }
}

function probeFile(view: ReadView, file: FileMeta, q: PointLookup): void {
  if (file.minSeq > q.snapshot || cannotBeat(file, q)) return
  probeTable(view.table(file.fileNo), q)
}

/**
 * Finds the first entry of `q.userKey` a read at `q.snapshot` returns, a value or a tombstone
 * (the caller treats a tombstone as absent), and leaves it in `q`; false if there is none.
 */
export function findLatest(view: ReadView, q: PointLookup): boolean {
  for (const memtable of view.memtables) probeMemtable(memtable, q)
  const userKey = q.userKey
  for (const file of view.version.levels[0]!) {
    if (!cannotBeat(file, q) && containsUserKey(file, userKey)) probeFile(view, file, q)
  }
  for (let level = 1; level < view.fences.length; level++) {
    const fences = view.fences[level]!
    if (fences.files.length === 0 || cannotBeat(fences, q)) continue
    const file = fences.find(userKey)
    if (file !== undefined) probeFile(view, file, q)
  }
  return q.found
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
