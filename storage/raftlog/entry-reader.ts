/**
 * EntryReader: reads a shard's entries back from the segments by their indexed locations.
 * Entries that sit back to back in one segment are fetched with one readAt; each entry is
 * verified by its own checksum (and its term against the index) before it is returned, so a
 * bit flipped on disk after recovery is an error naming the file and offset, never a value.
 */
import { corruption } from '../../shared/errors.ts'
import type { ReadableFile } from '../vfs/vfs.ts'
import { decodeEntry } from './record.ts'
import type { LogEntry, ShardLog } from './shard-log.ts'

export class EntryReader {
  readonly #fileOf: (segmentId: number) => ReadableFile

  constructor(fileOf: (segmentId: number) => ReadableFile) {
    this.#fileOf = fileOf
  }

  /** Entries [lo, hi): at least one, then more while the total encoded size <= maxBytes. */
  read(shard: ShardLog, lo: number, hi: number, maxBytes: number): LogEntry[] {
    const result: LogEntry[] = []
    let encodedBytes = 0
    let index = lo
    while (index < hi) {
      // One readAt per run of entries that sit back to back in the same segment.
      const start = shard.location(index)
      let end = index + 1
      let spanBytes = start.sizeBytes
      encodedBytes += start.sizeBytes
      while (end < hi) {
        const next = shard.location(end)
        const adjacent =
          next.segmentId === start.segmentId && next.offset === start.offset + spanBytes
        if (!adjacent || encodedBytes + next.sizeBytes > maxBytes) break
        spanBytes += next.sizeBytes
        encodedBytes += next.sizeBytes
        end++
      }
      this.#readSpan(shard, index, end, start.segmentId, start.offset, spanBytes, result)
      index = end
      if (index < hi && encodedBytes + shard.location(index).sizeBytes > maxBytes) break
    }
    return result
  }

  #readSpan(
    shard: ShardLog,
    lo: number,
    hi: number,
    segmentId: number,
    offset: number,
    spanBytes: number,
    out: LogEntry[],
  ): void {
    const file = this.#fileOf(segmentId)
    const bytes = file.readAt(offset, spanBytes)
    let position = 0
    for (let index = lo; index < hi; index++) {
      const { sizeBytes } = shard.location(index)
      const slice = bytes.subarray(position, position + sizeBytes)
      const entry = decodeEntry(slice, index, file.path, offset + position)
      if (entry.term !== shard.term(index)) {
        throw corruption(file.path, offset + position, `entry ${index} term differs from the index`)
      }
      out.push({ index, term: entry.term, data: entry.data })
      position += sizeBytes
    }
  }
}
