/**
 * What reads hand out for a found entry: the value (a copy: inline values are views into
 * cached blocks or memtable entries) or a whole Item; pointers are followed into the value log.
 */
import { decodePointer, inlinePayload, readExpiry } from './entry-value.ts'
import { Kind, kindOf, seqOf, timestampOf, userKeyOf, versionOf } from './internal-key.ts'
import type { Entry } from './retention.ts'
import type { VlogReaders } from './value-log/value-log.ts'
import type { Item } from './db-types.ts'

/** The value of an entry (the get fast path: no Item built). */
export function valueOf(entry: Entry, vlogs: VlogReaders): Uint8Array {
  if (kindOf(entry.ikey) === Kind.pointer) return vlogs.read(decodePointer(entry.value, 'entry'))
  const value = entry.value
  // One-byte expiry (never expires, the common case): copy the payload in one step.
  return value.length > 0 && value[0]! < 0x80
    ? value.slice(1)
    : inlinePayload(value, 'entry').slice()
}

export function itemOf(entry: Entry, vlogs: VlogReaders): Item {
  const ikey = entry.ikey
  const [expiresAtMs] = readExpiry(entry.value, 'entry')
  return {
    key: userKeyOf(ikey).slice(),
    value: valueOf(entry, vlogs),
    timestamp: timestampOf(ikey),
    version: versionOf(ikey),
    seq: seqOf(ikey),
    expiresAtMs,
  }
}
