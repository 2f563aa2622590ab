/**
 * Value-log record (WiscKey): large values live in append-only .vlog files; the SSTable entry
 * holds a pointer (file, offset, length of the whole record; entry-value.ts).
 *
 *   +-----------+------------+--------------+--------------------+-------------------+
 *   | crc32c u32| keyLen u32 | valueLen u32 | internal key bytes | value bytes       |
 *   +-----------+------------+--------------+--------------------+-------------------+
 *
 * Little-endian; crc32c covers everything after the crc field. The internal key lets GC and
 * consistency checks tell which entry a record belongs to.
 */
import { corruption } from '../../../shared/errors.ts'
import { crc32c } from '../../../shared/codecs/crc32c.ts'

export const VLOG_HEADER_BYTES = 12

/**
 * The record's head (crc, lengths, internal key) for `value`: appending the head and then
 * `value` itself writes the same bytes as encodeVlogRecord without copying the value.
 */
export function encodeVlogHead(ikey: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(VLOG_HEADER_BYTES + ikey.length)
  const view = new DataView(out.buffer)
  view.setUint32(4, ikey.length, true)
  view.setUint32(8, value.length, true)
  out.set(ikey, VLOG_HEADER_BYTES)
  view.setUint32(0, crc32c(value, crc32c(out.subarray(4))), true)
  return out
}

export function encodeVlogRecord(ikey: Uint8Array, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(VLOG_HEADER_BYTES + ikey.length + value.length)
  const view = new DataView(out.buffer)
  view.setUint32(4, ikey.length, true)
  view.setUint32(8, value.length, true)
  out.set(ikey, VLOG_HEADER_BYTES)
  out.set(value, VLOG_HEADER_BYTES + ikey.length)
  view.setUint32(0, crc32c(out.subarray(4)), true)
  return out
}

export function decodeVlogRecord(
  bytes: Uint8Array,
  path: string,
  offset: number,
): { ikey: Uint8Array; value: Uint8Array } {
  if (bytes.length < VLOG_HEADER_BYTES) throw corruption(path, offset, 'short value-log record')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const keyLength = view.getUint32(4, true)
  const valueLength = view.getUint32(8, true)
  if (VLOG_HEADER_BYTES + keyLength + valueLength !== bytes.length) {
    throw corruption(path, offset, 'value-log record length mismatch')
  }
  if (crc32c(bytes.subarray(4)) !== view.getUint32(0, true)) {
    throw corruption(path, offset, 'value-log record checksum mismatch')
  }
  const ikey = bytes.subarray(VLOG_HEADER_BYTES, VLOG_HEADER_BYTES + keyLength)
  return { ikey, value: bytes.subarray(VLOG_HEADER_BYTES + keyLength) }
}
