/**
 * What reads hand out for a found entry: the value (a copy: inline values are views into
 * cached blocks or memtable entries; small copies share slabs, byte-slab.ts) or a whole Item;
 * pointers are followed into the value log.
 */
import type { ByteSlab } from './byte-slab.ts'
import { decodePointer, readExpiry } from './entry-value.ts'
import { Kind, kindOf, seqOf, timestampOf, TRAILER_BYTES, versionOf } from './internal-key.ts'
import type { Entry } from './retention.ts'
import type { VlogReaders } from './value-log/value-log.ts'
import type { Item } from './db-types.ts'
import type { PointLookup } from './point-lookup.ts'

/** The value of an entry (the get fast path: no Item built); small copies come from `slab`. */
export function valueOf(entry: Entry, vlogs: VlogReaders, slab: ByteSlab): Uint8Array {
  if (kindOf(entry.ikey) === Kind.pointer) return vlogs.read(decodePointer(entry.value, 'entry'))
  const value = entry.value
  // One-byte expiry (never expires, the common case): copy the payload in one step.
  if (value.length > 0 && value[0]! < 0x80) return slab.copy(value, 1)
  const [, at] = readExpiry(value, 'entry')
  return slab.copy(value, at)
}

/** The value of a get's answer: copied straight from its block or memtable when it can be. */
export function answerValue(q: PointLookup, vlogs: VlogReaders, slab: ByteSlab): Uint8Array {
  return q.copyPayload(slab) ?? valueOf(q.entry(), vlogs, slab)
}

/** A deletion marker as an item: its key and stamp, no value. */
export function markerOf(entry: Entry, slab: ByteSlab): Item {
  const ikey = entry.ikey
  return {
    key: slab.copy(ikey, 0, ikey.length - TRAILER_BYTES),
    value: new Uint8Array(0),
    timestamp: timestampOf(ikey),
    version: versionOf(ikey),
    seq: seqOf(ikey),
    expiresAtMs: 0,
    deleted: true,
  }
}

export function itemOf(entry: Entry, vlogs: VlogReaders, slab: ByteSlab): Item {
  const ikey = entry.ikey
  const [expiresAtMs] = readExpiry(entry.value, 'entry')
  return {
    key: slab.copy(ikey, 0, ikey.length - TRAILER_BYTES),
    value: valueOf(entry, vlogs, slab),
    timestamp: timestampOf(ikey),
    version: versionOf(ikey),
    seq: seqOf(ikey),
    expiresAtMs,
  }
}
