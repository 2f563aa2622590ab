/**
 * Item keys: (table, partitionKey, sortKey) -> order-preserving bytes, and back.
 *
 * Layout (a byte string compared with plain lexicographic memcmp order):
 *
 *   escape(table) | 00 01 | escape(partitionKey) | 00 01 | sortKey (raw, to the end)
 *
 * escape() replaces every 0x00 byte with the pair 00 FF and leaves all other bytes alone; the
 * terminator is the pair 00 01. An escaped component therefore never contains 00 01, so the
 * first 00 01 ends it, and decoding is unambiguous. The sort key is last, so it needs no
 * terminator and is stored raw: a sort-key prefix is then a byte prefix of the encoded key.
 *
 * Why this orders correctly: compare escape(a)|00 01 with escape(b)|00 01 for components a, b.
 * At the first byte where a and b differ, with a[i] < b[i]: if a[i] is non-zero both escaped
 * strings show a[i] and b[i] as they are; if a[i] is 0x00, a shows 00 and b shows b[i] >= 01.
 * Either way a sorts first. If a is a proper prefix of b, a's terminator 00 01 meets b's next
 * escaped byte, which is 00 FF (b has 0x00 there) or a byte >= 01: again a sorts first. So
 * items order by table, then partition key, then sort key, and one partition's items are the
 * contiguous range
 * [partitionPrefix, partitionPrefix with its last byte 01 raised to 02).
 *
 * The table name is validated against `^[a-zA-Z0-9_.-]{1,128}$` at the edge
 * (`validateTableName`); the encoding itself accepts any bytes in every component.
 * Frozen: this is the storage key format; changing it needs a migration.
 */
import { ShoalError } from '../errors.ts'
import { limits } from '../limits.ts'
import { assert } from '../assert.ts'
import { compareBytes, utf8, fromUtf8 } from '../codecs/bytes.ts'

export interface ItemKey {
  readonly table: string
  readonly partitionKey: Uint8Array
  readonly sortKey: Uint8Array
}

/** The separator after an escaped component, and the escape of a 0x00 byte. */
const escapeByte = 0x00
const terminatorSecond = 0x01
const escapedZeroSecond = 0xff

const emptyBytes = new Uint8Array(0)

const tableNamePattern = /^[a-zA-Z0-9_.-]{1,128}$/

/** The largest encoded key: every partition-key byte escaped, plus two terminators. */
export const itemKeyBytesMax =
  limits.tableNameBytesMax + 2 + 2 * limits.partitionKeyBytesMax + 2 + limits.sortKeyBytesMax
assert(itemKeyBytesMax <= limits.keyBytesMax, 'encoded item keys must fit the LSM key limit')

/** Throws ShoalError 'bad-request' unless the name matches ^[a-zA-Z0-9_.-]{1,128}$. */
export function validateTableName(table: string): void {
  if (!tableNamePattern.test(table)) {
    throw new ShoalError(
      'bad-request',
      `table name must match ${tableNamePattern.source} ` +
        `(got ${JSON.stringify(table.slice(0, 64))})`,
    )
  }
}

/** Throws ShoalError 'too-large' when a key component is over its byte limit. */
export function validateKeyParts(parts: { partitionKey: Uint8Array; sortKey: Uint8Array }): void {
  if (parts.partitionKey.length > limits.partitionKeyBytesMax) {
    throw new ShoalError(
      'too-large',
      `partition key is ${parts.partitionKey.length} bytes (max ${limits.partitionKeyBytesMax})`,
    )
  }
  if (parts.sortKey.length > limits.sortKeyBytesMax) {
    throw new ShoalError(
      'too-large',
      `sort key is ${parts.sortKey.length} bytes (max ${limits.sortKeyBytesMax})`,
    )
  }
}

/**
 * The encoding over raw bytes in every component, with no validation: the table may hold any
 * bytes, 0x00 included. Gateway code uses encodeItemKey; this is the format's definition.
 */
export interface RawItemKey {
  readonly table: Uint8Array
  readonly partitionKey: Uint8Array
  readonly sortKey: Uint8Array
}

/** Validates then encodes. The result is a fresh array owned by the caller. */
export function encodeItemKey(key: ItemKey): Uint8Array {
  validateTableName(key.table)
  validateKeyParts(key)
  return encodeRawItemKey({ ...key, table: asciiBytes(key.table) })
}

/**
 * Encodes any bytes (no validation). The result is a fresh array owned by the caller, with
 * `headroomBytes` zero bytes before the key for a caller's own prefix (one allocation for both).
 */
export function encodeRawItemKey(key: RawItemKey, headroomBytes = 0): Uint8Array {
  const length = headroomBytes +
    escapedLength(key.table) + 2 + escapedLength(key.partitionKey) + 2 + key.sortKey.length
  const out = new Uint8Array(length)
  let offset = writeEscaped(out, headroomBytes, key.table)
  offset = writeEscaped(out, offset, key.partitionKey)
  out.set(key.sortKey, offset)
  assert(offset + key.sortKey.length === length, 'item key length mismatch')
  return out
}

/** escape(table) 00 01 escape(partitionKey) 00 01: the prefix every item of a partition has. */
export function encodePartitionPrefix(table: string, partitionKey: Uint8Array): Uint8Array {
  validateTableName(table)
  validateKeyParts({ partitionKey, sortKey: emptyBytes })
  // One allocation: this runs once per request for routing. A valid name is ASCII with no 0x00.
  const out = new Uint8Array(table.length + 2 + escapedLength(partitionKey) + 2)
  for (let i = 0; i < table.length; i++) out[i] = table.charCodeAt(i)
  out[table.length] = escapeByte
  out[table.length + 1] = terminatorSecond
  const end = writeEscaped(out, table.length + 2, partitionKey)
  assert(end === out.length, 'partition prefix length mismatch')
  return out
}

/** The half-open byte range [start, end) holding exactly the items of one partition. */
export function partitionBounds(
  table: string,
  partitionKey: Uint8Array,
): { start: Uint8Array; end: Uint8Array } {
  const start = encodePartitionPrefix(table, partitionKey)
  return { start, end: prefixEnd(start) }
}

/** The range [start, end) of a partition's items whose sort key starts with `sortPrefix`. */
export function sortPrefixBounds(
  table: string,
  partitionKey: Uint8Array,
  sortPrefix: Uint8Array,
): { start: Uint8Array; end: Uint8Array } {
  const partition = encodePartitionPrefix(table, partitionKey)
  const start = concatBytes(partition, sortPrefix)
  // An all-0xFF sort prefix is dropped by prefixEnd, which then yields the partition's end.
  return { start, end: prefixEnd(start) }
}

/**
 * The smallest byte string greater than every string that starts with `prefix`: drop trailing
 * 0xFF bytes and add one to the last remaining byte. Every partition prefix ends in 01, so
 * any string that starts with one always has a successor.
 */
function prefixEnd(prefix: Uint8Array): Uint8Array {
  let last = prefix.length - 1
  while (last >= 0 && prefix[last] === 0xff) last--
  assert(last >= 0, 'prefix has no successor')
  const out = prefix.slice(0, last + 1)
  out[last] = out[last]! + 1
  return out
}

/** Decodes bytes made by encodeItemKey; throws ShoalError 'bad-request' on malformed input. */
export function decodeItemKey(bytes: Uint8Array): ItemKey {
  const raw = decodeRawItemKey(bytes)
  const key: ItemKey = { ...raw, table: fromUtf8(raw.table) }
  validateTableName(key.table)
  validateKeyParts(key)
  return key
}

/** Decodes the raw form; throws ShoalError 'bad-request' on a bad escape or missing terminator. */
export function decodeRawItemKey(bytes: Uint8Array): RawItemKey {
  const table = readEscaped(bytes, 0)
  const partition = readEscaped(bytes, table.next)
  return { table: table.value, partitionKey: partition.value, sortKey: bytes.slice(partition.next) }
}

/** Orders item keys the way their encodings order (table bytes, partition key, sort key). */
export function compareItemKeys(a: ItemKey, b: ItemKey): number {
  return (
    compareBytes(utf8(a.table), utf8(b.table)) ||
    compareBytes(a.partitionKey, b.partitionKey) ||
    compareBytes(a.sortKey, b.sortKey)
  )
}

/** A validated table name is ASCII, so its UTF-8 bytes are its char codes (no TextEncoder). */
function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

function escapedLength(bytes: Uint8Array): number {
  let length = bytes.length
  for (const byte of bytes) if (byte === escapeByte) length++
  return length
}

/** Writes escape(bytes) followed by the terminator 00 01; returns the offset after it. */
function writeEscaped(out: Uint8Array, offset: number, bytes: Uint8Array): number {
  let at = offset
  for (const byte of bytes) {
    out[at++] = byte
    if (byte === escapeByte) out[at++] = escapedZeroSecond
  }
  out[at++] = escapeByte
  out[at++] = terminatorSecond
  return at
}

function readEscaped(bytes: Uint8Array, offset: number): { value: Uint8Array; next: number } {
  const out: number[] = []
  let at = offset
  while (at < bytes.length) {
    const byte = bytes[at]!
    if (byte !== escapeByte) {
      out.push(byte)
      at++
      continue
    }
    const second = bytes[at + 1]
    if (second === terminatorSecond) return { value: Uint8Array.from(out), next: at + 2 }
    if (second !== escapedZeroSecond) {
      throw new ShoalError('bad-request', `malformed item key: bad escape at byte ${at}`)
    }
    out.push(escapeByte)
    at += 2
  }
  throw new ShoalError('bad-request', `malformed item key: missing terminator after ${offset}`)
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
