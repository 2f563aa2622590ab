// Retention rules (pure): what a read at a snapshot sees and what compaction keeps, on small
// hand-made version lists: maxVersions, tombstones ending the walk, item TTLs, snapshots
// protecting old versions, and bottom-level tombstone dropping.
import { describe, expect, it } from 'vitest'
import { encodeInline } from './entry-value.ts'
import { encodeInternalKey, Kind } from './internal-key.ts'
import { keepMask, keepsSingle, readableAt, type Entry } from './retention.ts'

const key = new Uint8Array([0x6b])
function put(seq: number, ts = 0, expiresAtMs = 0): Entry {
  return {
    ikey: encodeInternalKey(key, ts, 0, seq, Kind.value),
    value: encodeInline(new Uint8Array(1), expiresAtMs),
  }
}
function del(seq: number, ts = 0): Entry {
  return { ikey: encodeInternalKey(key, ts, 0, seq, Kind.delete), value: new Uint8Array(0) }
}
const MAX = Number.MAX_SAFE_INTEGER

describe('retention', () => {
  it('readable: three versions, maxVersions 2: the two newest', () => {
    const group = [put(3), put(2), put(1)]
    expect(readableAt(group, MAX, 0, { maxVersions: 2 })).toEqual([0, 1])
    expect(readableAt(group, 2, 0, { maxVersions: 2 })).toEqual([1, 2])
  })

  it('readable: a tombstone: ends the walk and is itself returned', () => {
    expect(readableAt([put(3), del(2), put(1)], MAX, 0, { maxVersions: 5 })).toEqual([0, 1])
  })

  it('readable: an expired item: skipped, the older version shows', () => {
    expect(readableAt([put(2, 0, 100), put(1)], MAX, 100, { maxVersions: 1 })).toEqual([1])
  })

  it('keep: a snapshot between versions: keeps the version it reads', () => {
    const group = [put(3), put(2), put(1)]
    expect(keepMask(group, [], 0, { maxVersions: 1 }, false)).toEqual([true, false, false])
    expect(keepMask(group, [2], 0, { maxVersions: 1 }, false)).toEqual([true, true, false])
  })

  it('keep: a tombstone at the bottom: dropped only when nothing after it is kept', () => {
    expect(keepMask([del(3), put(2)], [], 0, { maxVersions: 1 }, true)).toEqual([false, false])
    expect(keepMask([del(3), put(2)], [2], 0, { maxVersions: 1 }, true)).toEqual([true, true])
    expect(keepMask([del(3), put(2)], [], 0, { maxVersions: 1 }, false)).toEqual([true, false])
  })

  it('keep: a timestamped tombstone at the bottom: kept until past the table TTL', () => {
    expect(keepMask([del(3, 50)], [], 100, { maxVersions: 1 }, true)).toEqual([true])
    expect(keepMask([del(3, 50)], [], 100, { maxVersions: 1, ttlMs: 10 }, true)).toEqual([false])
  })

  it('keep: one entry: keepsSingle answers as keepMask for every kind, expiry and TTL', () => {
    const entries = [put(5), put(5, 50), put(5, 0, 80), put(5, 0, 200), del(5), del(5, 50)]
    for (const entry of entries) {
      for (const nowMs of [0, 100, 300]) {
        for (const retention of [{ maxVersions: 1 }, { maxVersions: 2, ttlMs: 10 }]) {
          for (const bottom of [false, true]) {
            for (const snapshots of [[], [4], [6]]) {
              const mask = keepMask([entry], snapshots, nowMs, retention, bottom)
              expect(keepsSingle(entry, nowMs, retention, () => bottom)).toBe(mask[0])
            }
          }
        }
      }
    }
  })
})
