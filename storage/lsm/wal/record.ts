/**
 * Log record framing, shared by the WAL and the manifest:
 *
 *   +----------------+--------------+----------------+-----------------------+
 *   | payloadCrc u32 | length u32   | headerCrc u32  | payload (length B)    |
 *   +----------------+--------------+----------------+-----------------------+
 *
 * All little-endian. payloadCrc = crc32c(payload); headerCrc = crc32c(first 8 header bytes), so a
 * flipped length is caught before it is trusted. Recovery policy:
 * - a header or payload cut short by the end of the file is a torn tail: dropped;
 * - a bad header whose remaining bytes are all zero is a torn (preallocated) tail: dropped;
 * - a bad payload CRC on the last record of the file is a torn tail: dropped;
 * - any other bad CRC is corruption: a typed error naming the file and the offset.
 */
import { corruption } from '../../../shared/errors.ts'
import { crc32c } from '../../../shared/codecs/crc32c.ts'

export const RECORD_HEADER_BYTES = 12

export function frameRecord(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + payload.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, crc32c(payload), true)
  view.setUint32(4, payload.length, true)
  view.setUint32(8, crc32c(out.subarray(0, 8)), true)
  out.set(payload, RECORD_HEADER_BYTES)
  return out
}

export interface LogRecord {
  readonly offset: number
  readonly payload: Uint8Array
}

export interface ReadLogResult {
  readonly records: LogRecord[]
  /** Offset after the last good record. */
  readonly validEnd: number
  readonly tornTail: boolean
}

function allZero(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0) return false
  return true
}

/**
 * Splits a log into records (policy above). `skipCorrupt` is the planted bug
 * 'wal-skip-mid-log-corruption' (tests only): a bad payload before the tail is skipped silently.
 */
export function readRecords(bytes: Uint8Array, path: string, skipCorrupt = false): ReadLogResult {
  const records: LogRecord[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 0
  while (offset < bytes.length) {
    const rest = bytes.length - offset
    if (rest < RECORD_HEADER_BYTES) return { records, validEnd: offset, tornTail: true }
    const headerCrc = view.getUint32(offset + 8, true)
    if (crc32c(bytes.subarray(offset, offset + 8)) !== headerCrc) {
      if (allZero(bytes.subarray(offset))) return { records, validEnd: offset, tornTail: true }
      throw corruption(path, offset, 'log record header checksum mismatch')
    }
    const length = view.getUint32(offset + 4, true)
    const end = offset + RECORD_HEADER_BYTES + length
    if (end > bytes.length) return { records, validEnd: offset, tornTail: true }
    const payload = bytes.subarray(offset + RECORD_HEADER_BYTES, end)
    if (crc32c(payload) !== view.getUint32(offset, true)) {
      if (end === bytes.length) return { records, validEnd: offset, tornTail: true }
      if (skipCorrupt) {
        offset = end
        continue
      }
      throw corruption(path, offset, 'log record payload checksum mismatch')
    }
    records.push({ offset, payload })
    offset = end
  }
  return { records, validEnd: offset, tornTail: false }
}
