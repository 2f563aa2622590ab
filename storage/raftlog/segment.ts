/**
 * Segments: the raft log is a directory of files `NNNNNNNNNNNNNNNNNNNN.log` (20-digit ids,
 * increasing, so names sort in log order). Each begins with a segment-header record naming
 * its own id, which catches a file copied or renamed over another.
 *
 * Scanning rule (TESTING.md part (d), corruption policy):
 * - In the LAST segment, a record that is incomplete or fails its checksum, with no valid
 *   record anywhere after it, is a torn tail: the scan stops there and the caller truncates.
 * - A bad record followed by a valid one (mid-log corruption), or any bad record in an
 *   earlier segment, throws a corruption error naming the file and offset. Never skip.
 * Only the last segment can be torn because the engine writes one batch at a time and
 * fsyncs it before the next (and before creating the next segment).
 */
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { crc32c } from '../../shared/codecs/crc32c.ts'
import { corruption } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { FileSystem, WritableFile } from '../vfs/vfs.ts'
import { joinPath } from '../vfs/vfs.ts'
import type { LogRecord } from './record.ts'
import { decodeRecord, encodeRecord, recordHeaderBytes, recordKindCodes } from './record.ts'

const nameDigits = 20
const namePattern = /^(\d{20})\.log$/

export function segmentFileName(segmentId: number): string {
  return `${String(segmentId).padStart(nameDigits, '0')}.log`
}

/** The id in a segment file name, or undefined for any other file. */
export function parseSegmentFileName(name: string): number | undefined {
  const match = namePattern.exec(name)
  if (match === null) return undefined
  const id = Number(match[1])
  return Number.isSafeInteger(id) && id > 0 ? id : undefined
}

export interface ScannedRecord {
  readonly record: LogRecord
  /** Byte offset of the record in its segment file. */
  readonly offset: number
}

export interface SegmentScan {
  readonly records: ScannedRecord[]
  /** Bytes of valid records; less than the file only for a torn last segment. */
  readonly validBytes: number
}

const knownCodes = new Set<number>(Object.values(recordKindCodes))

/** The offset of the first complete, checksum-valid record at or after `from`, if any. */
export function findValidRecord(bytes: Uint8Array, from: number): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let p = from; p + recordHeaderBytes < bytes.length; p++) {
    const bodyBytes = view.getUint32(p + 4, true)
    if (bodyBytes < 1 || bodyBytes > limits.raftLogRecordBytesMax) continue
    const end = p + recordHeaderBytes + bodyBytes
    if (end > bytes.length || !knownCodes.has(bytes[p + recordHeaderBytes]!)) continue
    if (crc32c(bytes.subarray(p + 4, end)) === view.getUint32(p, true)) return p
  }
  return undefined
}

/**
 * Scans one segment's bytes. `isLast` allows a torn tail (see the rule above). A last
 * segment whose header itself is torn scans as zero valid bytes (the caller removes it).
 */
export function scanSegment(
  bytes: Uint8Array,
  path: string,
  segmentId: number,
  isLast: boolean,
): SegmentScan {
  const records: ScannedRecord[] = []
  let offset = 0
  while (offset < bytes.length) {
    const result = decodeRecord(bytes, offset, path)
    if (result.status !== 'ok') {
      const reason = result.status === 'incomplete' ? 'incomplete record' : result.reason
      if (!isLast) throw corruption(path, offset, `${reason} in a sealed segment`)
      const next = findValidRecord(bytes, offset + 1)
      if (next !== undefined) {
        throw corruption(path, offset, `${reason}, followed by a valid record at ${next}`)
      }
      break
    }
    const { record } = result
    if (offset === 0) {
      if (record.kind !== 'segment-header') throw corruption(path, 0, 'missing segment header')
      if (record.segmentId !== segmentId) {
        throw corruption(path, 0, `segment header names id ${record.segmentId}`)
      }
    } else if (record.kind === 'segment-header') {
      throw corruption(path, offset, 'second segment header')
    }
    records.push({ record, offset })
    offset += result.sizeBytes
  }
  if (records.length === 0 && !isLast) throw corruption(path, 0, 'empty sealed segment')
  return { records, validBytes: offset }
}

/**
 * Creates segment `segmentId` durably: header appended and synced, directory fsynced, so a
 * crash never leaves acknowledged records in a file whose name may vanish.
 */
export async function createSegment(
  fs: FileSystem,
  dir: string,
  segmentId: number,
): Promise<WritableFile> {
  const file = await fs.create(joinPath(dir, segmentFileName(segmentId)))
  const writer = new ByteWriter(64)
  encodeRecord(writer, { kind: 'segment-header', segmentId })
  file.append(writer.view())
  await file.sync()
  await fs.fsyncDir(dir)
  return file
}
