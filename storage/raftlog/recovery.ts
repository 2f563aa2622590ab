/**
 * Recovery of the shared raft log: rebuilds every shard's in-memory index from the segments.
 *
 * Proof sketch of why replay rebuilds exactly the acknowledged state:
 * 1. Every acknowledged batch was fsynced before its ack, and batches are written one at a
 *    time, so at most the last batch of the last segment can be missing or torn. The segment
 *    scan cuts a torn tail and fails loudly on anything else (see segment.ts).
 * 2. A GC rewrite (rewrite-begin .. rewrite-end) is written inside one batch. If that batch
 *    was torn, its complete records may survive before the cut; they are cut too (from the
 *    begin on), which only drops unacknowledged records of that same batch.
 * 3. A complete rewrite of shard S holds S's whole live state (snapshot marker, every live
 *    entry, hard state) as of its batch. So replaying S from its last complete rewrite on,
 *    and ignoring S's older records, gives the same state as replaying everything.
 * 4. GC deletes a segment only when every shard with a record in it has a complete rewrite
 *    in a later segment, and deletes oldest first with a directory fsync after each. So a
 *    shard's surviving records either start at its true beginning or are ignored up to a
 *    complete rewrite, and a crash can only bring back a prefix of the deleted segments
 *    (whose records are ignored by the same rule), keeping the ids consecutive.
 * 5. Every other record is replayed under the same rules the live engine checked before
 *    writing it (shard-log.ts), so a rule violation here means the disk is corrupt, and so
 *    does a shard whose first entries do not attach (a missing segment).
 * Recovery holds all segment bytes in memory while it runs (bounded by the log's size).
 */
import { corruption } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { FileSystem } from '../vfs/vfs.ts'
import { dirOf, joinPath } from '../vfs/vfs.ts'
import { entryHeaderBytes } from './record.ts'
import type { LogRecord } from './record.ts'
import type { ScannedRecord } from './segment.ts'
import { parseSegmentFileName, scanSegment, segmentFileName } from './segment.ts'
import { ShardLog } from './shard-log.ts'
import type { EntryLocation } from './shard-log.ts'

export interface RecoveredSegment {
  readonly id: number
  readonly path: string
  readonly sizeBytes: number
}

export interface RecoveredLog {
  readonly shards: Map<number, ShardLog>
  /** In id order; the last one is where appends continue. Empty for a new log. */
  readonly segments: RecoveredSegment[]
  /** Bytes cut from the end of the last segment (torn tail or incomplete rewrite). */
  readonly cutBytes: number
  /** Per segment id, the shards with any record in it (GC needs them rewritten first). */
  readonly segmentShards: Map<number, Set<number>>
  /** Per shard, the segment id of its last complete rewrite. */
  readonly rewrittenIn: Map<number, number>
}

interface LoadedSegment {
  readonly id: number
  readonly path: string
  readonly bytes: Uint8Array
  records: ScannedRecord[]
  validBytes: number
}

export async function recoverLog(fs: FileSystem, dir: string): Promise<RecoveredLog> {
  if (!(await fs.exists(dir))) {
    // A new log directory: make its own name durable before any segment counts on it.
    await fs.mkdirp(dir)
    await fs.fsyncDir(dirOf(dir))
  }
  const ids = (await fs.list(dir))
    .map(parseSegmentFileName)
    .filter((id): id is number => id !== undefined)
    .sort((a, b) => a - b)
  const loaded: LoadedSegment[] = []
  for (const [i, id] of ids.entries()) {
    const path = joinPath(dir, segmentFileName(id))
    const previous = ids[i - 1]
    if (previous !== undefined && id !== previous + 1) {
      throw corruption(path, 0, `segment ${previous + 1} is missing before this one`)
    }
    const bytes = await fs.readFile(path)
    const scan = scanSegment(bytes, path, id, i === ids.length - 1)
    loaded.push({ id, path, bytes, records: scan.records, validBytes: scan.validBytes })
  }
  const last = loaded[loaded.length - 1]
  let cutBytes = 0
  if (last !== undefined) {
    cutIncompleteRewrite(loaded, last)
    cutBytes = last.bytes.length - last.validBytes
    if (last.validBytes === 0) {
      await fs.remove(last.path)
      await fs.fsyncDir(dir)
      loaded.pop()
    } else if (cutBytes > 0) {
      await fs.truncate(last.path, last.validBytes)
    }
  }
  const rewrites = lastCompleteRewrites(loaded)
  const shards = replay(loaded, rewrites)
  const segments = loaded.map(({ id, path, validBytes }) => ({ id, path, sizeBytes: validBytes }))
  const segmentShards = new Map<number, Set<number>>()
  for (const segment of loaded) {
    const touched = new Set<number>()
    for (const { record } of segment.records) {
      const shardId = shardOf(record)
      if (shardId !== undefined) touched.add(shardId)
    }
    segmentShards.set(segment.id, touched)
  }
  const rewrittenIn = new Map<number, number>()
  for (const [shardId, [segmentIndex]] of rewrites)
    rewrittenIn.set(shardId, loaded[segmentIndex]!.id)
  return { shards, segments, cutBytes, segmentShards, rewrittenIn }
}

function shardOf(record: LogRecord): number | undefined {
  return record.kind === 'segment-header' ? undefined : record.shardId
}

/** Point 2 of the proof: cut the last segment at the begin of an unfinished rewrite. */
function cutIncompleteRewrite(loaded: LoadedSegment[], last: LoadedSegment): void {
  const open = new Map<number, { segment: LoadedSegment; position: number }>()
  for (const segment of loaded) {
    segment.records.forEach(({ record }, position) => {
      if (record.kind === 'rewrite-begin') open.set(record.shardId, { segment, position })
      if (record.kind === 'rewrite-end') open.delete(record.shardId)
    })
  }
  let cutPosition = last.records.length
  for (const { segment, position } of open.values()) {
    const at = segment.records[position]!
    if (segment !== last) throw corruption(segment.path, at.offset, 'unfinished rewrite')
    cutPosition = Math.min(cutPosition, position)
  }
  if (cutPosition < last.records.length) {
    last.validBytes = last.records[cutPosition]!.offset
    last.records = last.records.slice(0, cutPosition)
  }
}

/** Per shard, the (segment index, record position) of its last complete rewrite-begin. */
function lastCompleteRewrites(loaded: LoadedSegment[]): Map<number, [number, number]> {
  const result = new Map<number, [number, number]>()
  const open = new Map<number, { at: [number, number]; count: number }>()
  loaded.forEach((segment, segmentIndex) => {
    segment.records.forEach(({ record, offset }, position) => {
      const shardId = shardOf(record)
      if (shardId === undefined) return
      if (record.kind === 'rewrite-begin') {
        open.set(shardId, { at: [segmentIndex, position], count: 0 })
      }
      const rewrite = open.get(shardId)
      if (rewrite === undefined) return
      rewrite.count++
      if (record.kind !== 'rewrite-end') return
      if (record.recordCount !== rewrite.count) {
        throw corruption(segment.path, offset, `rewrite of shard ${shardId} is missing records`)
      }
      result.set(shardId, rewrite.at)
      open.delete(shardId)
    })
  })
  return result
}

function isBefore(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])
}

/** Points 3 and 4: apply every record under the live rules, skipping superseded ones. */
function replay(
  loaded: LoadedSegment[],
  rewrites: Map<number, [number, number]>,
): Map<number, ShardLog> {
  const shards = new Map<number, ShardLog>()
  loaded.forEach((segment, segmentIndex) => {
    segment.records.forEach(({ record, offset }, position) => {
      const shardId = shardOf(record)
      if (shardId === undefined) return
      const rewrite = rewrites.get(shardId)
      if (rewrite !== undefined && isBefore([segmentIndex, position], rewrite)) return
      let shard = shards.get(shardId)
      if (shard === undefined) {
        if (shards.size >= limits.raftLogShardsMax) {
          throw corruption(segment.path, offset, 'more shards than raftLogShardsMax')
        }
        shard = new ShardLog(shardId)
        shards.set(shardId, shard)
      }
      const problem = applyRecord(shard, record, segment)
      if (problem !== undefined) {
        throw corruption(segment.path, offset, `shard ${shardId}: ${problem}`)
      }
    })
  })
  return shards
}

/** Applies one record to its shard; returns the rule it breaks, if any. */
export function applyRecord(
  shard: ShardLog,
  record: LogRecord,
  segment: { readonly id: number; readonly bytes: Uint8Array },
): string | undefined {
  switch (record.kind) {
    case 'segment-header':
    case 'rewrite-end':
      return undefined
    case 'entries': {
      const locations: EntryLocation[] = record.entries.map(({ data }) => ({
        segmentId: segment.id,
        offset: data.byteOffset - segment.bytes.byteOffset - entryHeaderBytes,
        sizeBytes: entryHeaderBytes + data.length,
      }))
      const terms = record.entries.map((entry) => entry.term)
      return shard.appendEntries(record.firstIndex, terms, locations)
    }
    case 'hard-state':
      return shard.setHardState(record.hardState, segment.id)
    case 'truncate-suffix':
      return shard.truncateFrom(record.fromIndex)
    case 'compact-prefix':
      return shard.applySnapshot(record.index, record.term, segment.id)
    case 'rewrite-begin':
      shard.reset(record.index, record.term, segment.id)
      return undefined
  }
}
