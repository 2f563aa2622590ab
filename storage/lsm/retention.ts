/**
 * Retention: which entries of one user key a read can see, and so which ones compaction must
 * keep. Pure; the same rules serve reads and compaction, so they cannot disagree.
 *
 * Entries of a key arrive in LSM order (timestamp, version, seq descending). A read at snapshot
 * S walks them, skipping entries newer than S and expired values; a tombstone ends the walk (it
 * hides everything after it); up to maxVersions values are returned. Compaction keeps the union
 * of what every live snapshot and the latest state can read. At the bottom level a tombstone
 * that hides nothing kept is dropped when no newer-sequence write with an older timestamp could
 * still need it: plain entries (timestamp 0) or tombstones already past the table TTL.
 */
import { expiryOf } from './entry-value.ts'
import { Kind, kindOf, seqOf, timestampOf } from './internal-key.ts'

export interface Retention {
  /** Values kept per key (>= 1). */
  readonly maxVersions: number
  /** Table TTL: a value with timestamp t expires at t + ttlMs. Absent: no table TTL. */
  readonly ttlMs?: number
}

export type RetentionFn = (userKey: Uint8Array) => Retention

/**
 * Retention a compaction worker thread can rebuild (functions do not cross threads): the URL of a
 * module exporting `retentionFromData(data): RetentionFn`, and the data as of a job's start
 * (structured-cloneable). The rebuilt function must answer as the db's `retention` does.
 */
export interface PortableRetention {
  readonly moduleUrl: string
  readonly data: () => unknown
}

const LATEST_ONLY: Retention = Object.freeze({ maxVersions: 1 })
/** The default: one value per key, no table TTL (one shared object: a get allocates none). */
export const keepLatestOnly: RetentionFn = () => LATEST_ONLY

export interface Entry {
  readonly ikey: Uint8Array
  readonly value: Uint8Array
}

function tableExpired(timestamp: number, retention: Retention, nowMs: number): boolean {
  return retention.ttlMs !== undefined && timestamp > 0 && timestamp + retention.ttlMs <= nowMs
}

export function isExpired(
  ikey: Uint8Array,
  value: Uint8Array,
  retention: Retention,
  nowMs: number,
): boolean {
  if (kindOf(ikey) === Kind.delete) return false
  const expiresAtMs = expiryOf(value, 'entry')
  if (expiresAtMs > 0 && expiresAtMs <= nowMs) return true
  return tableExpired(timestampOf(ikey), retention, nowMs)
}

/** Indexes of the entries a read at `snapshot` sees (a trailing tombstone included). */
export function readableAt(
  group: readonly Entry[],
  snapshot: number,
  nowMs: number,
  retention: Retention,
  limit = retention.maxVersions,
): number[] {
  const out: number[] = []
  let taken = 0
  const max = Math.max(1, Math.min(limit, retention.maxVersions))
  for (let i = 0; i < group.length && taken < max; i++) {
    const entry = group[i]!
    if (seqOf(entry.ikey) > snapshot) continue
    if (kindOf(entry.ikey) === Kind.delete) {
      out.push(i)
      break
    }
    if (isExpired(entry.ikey, entry.value, retention, nowMs)) continue
    out.push(i)
    taken++
  }
  return out
}

/**
 * Which entries of one key's group a compaction keeps. `snapshots` are the live snapshot
 * sequence numbers; `bottom` says no older data for this key exists below the output.
 */
export function keepMask(
  group: readonly Entry[],
  snapshots: readonly number[],
  nowMs: number,
  retention: Retention,
  bottom: boolean,
): boolean[] {
  const keep = group.map(() => false)
  for (const snapshot of [...snapshots, Number.MAX_SAFE_INTEGER]) {
    for (const i of readableAt(group, snapshot, nowMs, retention)) keep[i] = true
  }
  if (!bottom) return keep
  let keptAfter = false
  for (let i = group.length - 1; i >= 0; i--) {
    if (!keep[i]) continue
    const ikey = group[i]!.ikey
    if (kindOf(ikey) === Kind.delete && !keptAfter) {
      const timestamp = timestampOf(ikey)
      if (timestamp === 0 || tableExpired(timestamp, retention, nowMs)) {
        keep[i] = false
        continue
      }
    }
    keptAfter = true
  }
  return keep
}

/**
 * keepMask for a key with a single entry, without allocating (most keys in a merge): kept
 * unless expired, or a tombstone at the bottom that nothing needs. `bottom` runs only for a
 * tombstone (it searches the older tables' key ranges).
 */
export function keepsSingle(
  entry: Entry,
  nowMs: number,
  retention: Retention,
  bottom: () => boolean,
): boolean {
  const { ikey, value } = entry
  if (kindOf(ikey) !== Kind.delete) return !isExpired(ikey, value, retention, nowMs)
  if (!bottom()) return true
  const timestamp = timestampOf(ikey)
  return timestamp !== 0 && !tableExpired(timestamp, retention, nowMs)
}
