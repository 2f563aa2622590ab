/**
 * Batch encoding: turns accepted writes (and GC rewrites) into records in one buffer, and
 * applies each to its ShardLog with the entry locations the buffer will have on disk. It is
 * synchronous: a batch is formed, appended and fsynced as one step of the engine's loop.
 */
import { assert } from '../../shared/assert.ts'
import type { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { ShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { LogRecord, RecordEntry } from './record.ts'
import { encodeRecord, encodedRecordBytes, entryHeaderBytes } from './record.ts'
import type { LogEntry, LogWrite, ShardLog } from './shard-log.ts'

/** Where the batch buffer will land: segment id and the file offset of its first byte. */
export interface BatchTarget {
  readonly writer: ByteWriter
  readonly segmentId: number
  readonly baseOffset: number
}

function check(problem: string | undefined): void {
  assert(problem === undefined, `accepted write broke a log rule: ${problem}`)
}

/** Splits entries into records under the record size limit. */
function chunks(entries: readonly LogEntry[]): LogEntry[][] {
  const result: LogEntry[][] = []
  let current: LogEntry[] = []
  let bytes = 0
  const budget = limits.raftLogRecordBytesMax - 64
  for (const entry of entries) {
    const size = entryHeaderBytes + entry.data.length
    if (current.length > 0 && bytes + size > budget) {
      result.push(current)
      current = []
      bytes = 0
    }
    current.push(entry)
    bytes += size
  }
  if (current.length > 0) result.push(current)
  return result
}

function encodeEntries(target: BatchTarget, shard: ShardLog, entries: readonly LogEntry[]): void {
  for (const chunk of chunks(entries)) {
    const first = chunk[0]!
    const recordEntries: RecordEntry[] = chunk.map(({ term, data }) => ({ term, data }))
    const record: LogRecord = {
      kind: 'entries',
      shardId: shard.shardId,
      firstIndex: first.index,
      entries: recordEntries,
    }
    const positions = encodeRecord(target.writer, record)
    const locations = chunk.map((entry, i) => ({
      segmentId: target.segmentId,
      offset: target.baseOffset + positions[i]!,
      sizeBytes: entryHeaderBytes + entry.data.length,
    }))
    const terms = chunk.map((entry) => entry.term)
    check(shard.appendEntries(first.index, terms, locations))
  }
}

/**
 * Encodes and applies one write that `writeProblem` accepted. Returns records written.
 * `onAppended` hears the entries the shard's log took (not the leading ones it already held
 * with the same term, which it keeps as they were).
 */
export function encodeWrite(
  target: BatchTarget,
  shard: ShardLog,
  write: LogWrite,
  onAppended?: (entries: readonly LogEntry[]) => void,
): number {
  const { shardId } = shard
  const before = target.writer.length
  if (write.snapshot !== undefined) {
    const { index, term } = write.snapshot
    encodeRecord(target.writer, { kind: 'compact-prefix', shardId, index, term })
    check(shard.applySnapshot(index, term, target.segmentId))
  }
  if (write.truncateFrom !== undefined) {
    encodeRecord(target.writer, { kind: 'truncate-suffix', shardId, fromIndex: write.truncateFrom })
    check(shard.truncateFrom(write.truncateFrom))
  }
  if (write.entries !== undefined && write.entries.length > 0) {
    const entries = write.entries
    let held = 0
    while (held < entries.length && shard.term(entries[held]!.index) === entries[held]!.term) {
      held++
    }
    encodeEntries(target, shard, entries)
    if (held < entries.length) onAppended?.(held === 0 ? entries : entries.slice(held))
  }
  if (write.hardState !== undefined) {
    encodeRecord(target.writer, { kind: 'hard-state', shardId, hardState: write.hardState })
    check(shard.setHardState(write.hardState, target.segmentId))
  }
  return target.writer.length - before
}

/**
 * Encodes a GC rewrite of a whole shard (its snapshot marker, every live entry, its hard
 * state) between rewrite-begin and rewrite-end, and points the shard at the new copies.
 * `entries` are the shard's live entries, read back (and verified) by the caller.
 */
export function encodeRewrite(
  target: BatchTarget,
  shard: ShardLog,
  entries: readonly LogEntry[],
): void {
  const { shardId, snapshotIndex, snapshotTerm, hardState } = shard
  assert(entries.length === shard.lastIndex - snapshotIndex, 'rewrite needs every live entry')
  encodeRecord(target.writer, {
    kind: 'rewrite-begin',
    shardId,
    index: snapshotIndex,
    term: snapshotTerm,
  })
  shard.reset(snapshotIndex, snapshotTerm, target.segmentId)
  let records = 1 + chunks(entries).length
  if (entries.length > 0) encodeEntries(target, shard, entries)
  if (hardState !== undefined) {
    records++
    encodeRecord(target.writer, { kind: 'hard-state', shardId, hardState })
    check(shard.setHardState(hardState, target.segmentId))
  }
  encodeRecord(target.writer, { kind: 'rewrite-end', shardId, recordCount: records + 1 })
}

/** Encoded size of a write, to bound batches and refuse oversize writes up front. */
export function writeBytes(write: LogWrite): number {
  let bytes = 0
  const shardId = write.shardId
  if (write.snapshot !== undefined) {
    bytes += encodedRecordBytes({ kind: 'compact-prefix', shardId, index: 0, term: 0 })
  }
  if (write.truncateFrom !== undefined) {
    bytes += encodedRecordBytes({ kind: 'truncate-suffix', shardId, fromIndex: 0 })
  }
  for (const chunk of chunks(write.entries ?? [])) {
    bytes += encodedRecordBytes({ kind: 'entries', shardId, firstIndex: 0, entries: chunk })
  }
  if (write.hardState !== undefined) {
    bytes += encodedRecordBytes({ kind: 'hard-state', shardId, hardState: write.hardState })
  }
  return bytes
}

/** Shape checks done at the call, before queueing. Returns the call's encoded bytes. */
export function validateCall(writes: readonly LogWrite[]): number {
  if (writes.length === 0) throw new ShoalError('bad-request', 'append needs at least one write')
  const seen = new Set<number>()
  let bytes = 0
  for (const write of writes) {
    const { shardId } = write
    if (!Number.isSafeInteger(shardId) || shardId < 0 || shardId > 0xffffffff) {
      throw new ShoalError('bad-request', `shard id ${shardId} is not a u32`)
    }
    if (seen.has(shardId)) throw new ShoalError('bad-request', `shard ${shardId} twice in a call`)
    seen.add(shardId)
    for (const entry of write.entries ?? []) {
      if (!Number.isSafeInteger(entry.index) || !Number.isSafeInteger(entry.term)) {
        throw new ShoalError('bad-request', `shard ${shardId}: entry index and term must be u64`)
      }
      if (entry.data.length > limits.raftLogRecordBytesMax - 64) {
        throw new ShoalError('too-large', `shard ${shardId}: entry ${entry.index} too large`)
      }
    }
    bytes += writeBytes(write)
  }
  if (bytes > limits.raftLogWriteBytesMax) {
    throw new ShoalError('too-large', `append of ${bytes} bytes over raftLogWriteBytesMax`)
  }
  return bytes
}
