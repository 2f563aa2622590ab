/**
 * Compaction jobs (the I/O shell around picker.ts): merge input tables into new ones applying
 * retention (retention.ts), move tables down without rewriting, and collect value-log files by
 * rewriting the tables that point into them. Each job returns a VersionEdit; the db installs it
 * and only then deletes obsolete files. Jobs yield to the event loop every few hundred entries
 * so reads and writes keep flowing while they run.
 */
import { compareUserKeys, Kind, kindOf, userKeyOf } from '../internal-key.ts'
import type { InternalIterator } from '../iterator.ts'
import type { VersionEdit } from '../manifest/version-edit.ts'
import type { FileMeta, Version, VlogMeta } from '../manifest/version.ts'
import { joinPath } from '../../vfs/vfs.ts'
import { vlogName } from '../file-names.ts'
import type { Memtable } from '../memtable.ts'
import { LevelIterator, MergingIterator, type IterableTable } from '../merging-iterator.ts'
import { keepMask, keepsSingle, type Entry, type RetentionFn } from '../retention.ts'
import type { TableReader } from '../sstable/reader.ts'
import type { ForwardIterator } from '../sorted-run-image.ts'
import { TableSink, type SinkContext, type SinkResult } from '../table-sink.ts'
import type { CompactionPlan } from './picker.ts'

const YIELD_EVERY_ENTRIES = 512
const KEEP_FIRST: readonly boolean[] = [true]

export interface JobContext extends SinkContext {
  readonly table: (fileNo: number) => TableReader
  readonly retention: RetentionFn
  readonly yieldNow: () => Promise<void>
  readonly targetFileBytes: number
}

export interface JobResult {
  readonly edit: VersionEdit
  readonly bytesRead: number
  readonly bytesWritten: number
}

/** Writes sorted entries as one L0 table; `separate` moves large inline values to a value log. */
export async function writeSorted(
  ctx: JobContext,
  it: ForwardIterator,
  separate: boolean,
): Promise<SinkResult> {
  const sink = new TableSink(ctx, {
    targetFileBytes: Number.POSITIVE_INFINITY,
    separateValues: separate,
    relocate: new Set(),
    offerBlocks: true,
  })
  if (separate) await sink.openVlog()
  let n = 0
  for (it.first(); it.valid(); it.next()) {
    if (sink.full) await sink.nextTable()
    sink.add(it.key(), it.value())
    if (++n % (YIELD_EVERY_ENTRIES * 8) === 0) await ctx.yieldNow()
  }
  return sink.finish()
}

/**
 * Writes an immutable memtable to L0 tables, on a worker thread when `onWorker` is given. Its
 * large values are already in value logs (written at write time); those files are synced and
 * registered in the same edit as the tables pointing into them. Large inline values (replayed
 * from an old WAL) go to a new one, always on this thread.
 */
export async function flushMemtable(
  ctx: JobContext,
  memtable: Memtable,
  onWorker?: (memtable: Memtable) => Promise<MergeResult>,
): Promise<JobResult> {
  const separate = memtable.maxInlineBytes > ctx.vlogThresholdBytes
  const result: SinkResult =
    separate || onWorker === undefined
      ? await writeSorted(ctx, memtable.iterator(), separate)
      : { ...(await onWorker(memtable)), vlog: undefined }
  const addVlogs: VlogMeta[] = []
  await memtable.valueLog?.finish()
  for (const fileNo of [...memtable.vlogRefs].sort((a, b) => a - b)) {
    const sizeBytes = await ctx.fs.sizeOf(joinPath(ctx.dir, vlogName(fileNo)))
    addVlogs.push({ fileNo, sizeBytes })
  }
  const edit: VersionEdit = { addFiles: result.files.map((f) => [0, f]) }
  if (result.vlog !== undefined) addVlogs.push(result.vlog)
  if (addVlogs.length > 0) edit.addVlogs = addVlogs
  return { edit, bytesRead: 0, bytesWritten: result.bytesWritten }
}

function inputIterator(ctx: JobContext, job: MergeJob): InternalIterator {
  const children: InternalIterator[] = []
  const byLevel = new Map<number, FileMeta[]>()
  for (const { level, file } of job.inputs) {
    if (level === 0) children.push(ctx.table(file.fileNo).scan())
    else byLevel.set(level, [...(byLevel.get(level) ?? []), file])
  }
  const scans = (fileNo: number): IterableTable => ({ iterator: () => ctx.table(fileNo).scan() })
  for (const files of byLevel.values()) children.push(new LevelIterator(files, scans))
  return new MergingIterator(children)
}

/**
 * A merging compaction as plain data (structured-cloneable): all a worker thread needs besides
 * the files. `older` holds the key ranges of tables outside the inputs that could hold older
 * data for a key; a key outside all of them is at the bottom (its tombstones can go).
 */
export interface MergeJob {
  readonly inputs: CompactionPlan['inputs']
  readonly outputLevel: number
  readonly split: boolean
  readonly older: ReadonlyArray<readonly [smallest: Uint8Array, largest: Uint8Array]>
  readonly snapshots: readonly number[]
  readonly nowMs: number
  /**
   * Offer the output's blocks to the cache: only when the db has been read since the previous
   * merge (decoding them is a tenth of a merge's work, wasted while data is only written).
   */
  readonly offerBlocks: boolean
}

export interface MergeResult {
  readonly files: FileMeta[]
  readonly bytesWritten: number
}

export function mergeJobOf(
  version: Version,
  plan: CompactionPlan,
  snapshots: readonly number[],
  nowMs: number,
  offerBlocks: boolean,
): MergeJob {
  const inputs = new Set(plan.inputs.map((i) => i.file.fileNo))
  const minInputSeq = Math.min(...plan.inputs.map((i) => i.file.minSeq))
  const older: Array<readonly [Uint8Array, Uint8Array]> = []
  version.levels.forEach((files, level) => {
    for (const file of files) {
      if (inputs.has(file.fileNo)) continue
      if (level > plan.outputLevel || (level === plan.outputLevel && file.maxSeq < minInputSeq)) {
        older.push([file.smallest, file.largest])
      }
    }
  })
  const { inputs: planInputs, outputLevel, split } = plan
  return { inputs: planInputs, outputLevel, split, older, snapshots, nowMs, offerBlocks }
}

function isBottomFn(job: MergeJob): (ikey: Uint8Array) => boolean {
  return (ikey) =>
    !job.older.some(
      ([smallest, largest]) =>
        compareUserKeys(smallest, ikey) <= 0 && compareUserKeys(largest, ikey) >= 0,
    )
}

/** Merges the job's input tables into new tables, applying retention. */
export async function runMerge(ctx: JobContext, job: MergeJob): Promise<MergeResult> {
  const sink = new TableSink(ctx, {
    targetFileBytes: job.split ? ctx.targetFileBytes : Number.POSITIVE_INFINITY,
    separateValues: false,
    relocate: new Set(),
    offerBlocks: job.offerBlocks,
  })
  const isBottom = isBottomFn(job)
  const it = inputIterator(ctx, job)
  // The entries of one user key: `first`, and `more` when it has several (no array otherwise).
  let first: Entry | undefined
  let more: Entry[] | undefined
  /** Which of the key's entries to keep (`more` after `first`), undefined for none. */
  const decide = (): readonly boolean[] | undefined => {
    const head = first!
    const retention = ctx.retention(userKeyOf(head.ikey))
    const bottom = (): boolean => isBottom(head.ikey)
    if (more === undefined) {
      return keepsSingle(head, job.nowMs, retention, bottom) ? KEEP_FIRST : undefined
    }
    const group = [head, ...more]
    const tombstone = group.some((entry) => kindOf(entry.ikey) === Kind.delete)
    const keep = keepMask(group, job.snapshots, job.nowMs, retention, tombstone && bottom())
    return keep.some(Boolean) ? keep : undefined
  }
  const emit = (keep: readonly boolean[]): void => {
    if (keep[0]) sink.add(first!.ikey, first!.value)
    more?.forEach((entry, i) => {
      if (keep[i + 1]) sink.add(entry.ikey, entry.value)
    })
  }
  let n = 0
  for (it.first(); ; it.next()) {
    const valid = it.valid()
    const ikey = valid ? it.key() : undefined
    if (ikey !== undefined && first !== undefined && compareUserKeys(ikey, first.ikey) === 0) {
      ;(more ??= []).push({ ikey, value: it.value() })
    } else {
      const keep = first === undefined ? undefined : decide()
      // Tables are cut only between user keys: a key never spans two tables of one level.
      if (keep !== undefined && sink.full) await sink.nextTable()
      if (keep !== undefined) emit(keep)
      if (ikey === undefined) break
      first = { ikey, value: it.value() }
      more = undefined
    }
    if (++n % YIELD_EVERY_ENTRIES === 0) await ctx.yieldNow()
  }
  const result = await sink.finish()
  return { files: result.files, bytesWritten: result.bytesWritten }
}

/** The edit installing a merge's output in place of its inputs, with its byte counts. */
export function mergeEdit(plan: CompactionPlan, result: MergeResult): JobResult {
  const deleteFiles = inputFiles(plan)
  const addFiles = result.files.map((f): [number, FileMeta] => [plan.outputLevel, f])
  const bytesRead = plan.inputs.reduce((sum, i) => sum + i.file.sizeBytes, 0)
  return { edit: { deleteFiles, addFiles }, bytesRead, bytesWritten: result.bytesWritten }
}

/** Moves a trivial plan's table down a level without rewriting it. */
export function trivialMoveEdit(plan: CompactionPlan): JobResult {
  const addFiles = plan.inputs.map((i): [number, FileMeta] => [plan.outputLevel, i.file])
  return { edit: { deleteFiles: inputFiles(plan), addFiles }, bytesRead: 0, bytesWritten: 0 }
}

/** A plan's inputs as an edit's [level, fileNo] deletions. */
function inputFiles(plan: CompactionPlan): Array<[number, number]> {
  return plan.inputs.map((i) => [i.level, i.file.fileNo])
}

/** The value-log file with the most garbage at or above `garbageRatio`, if any. */
export function pickVlogVictim(version: Version, garbageRatio: number): number | undefined {
  let best: number | undefined
  let bestGarbage = garbageRatio
  for (const [fileNo, live] of version.vlogLiveBytes()) {
    const size = version.vlogs.get(fileNo)?.sizeBytes ?? 0
    if (size === 0 || live === 0) continue
    const garbage = 1 - live / size
    if (garbage >= bestGarbage) {
      best = fileNo
      bestGarbage = garbage
    }
  }
  return best
}

/** Rewrites every table pointing into `victim`, copying its live values to a new value log. */
export async function runVlogGc(
  ctx: JobContext,
  version: Version,
  victim: number,
): Promise<JobResult> {
  const deleteFiles: Array<[number, number]> = []
  const addFiles: Array<[number, FileMeta]> = []
  const addVlogs = []
  let bytesRead = 0
  let bytesWritten = 0
  for (let level = 0; level < version.levels.length; level++) {
    for (const file of version.levels[level]!) {
      if (!file.vlogRefs.some(([fileNo]) => fileNo === victim)) continue
      const sink = new TableSink(ctx, {
        targetFileBytes: Number.POSITIVE_INFINITY,
        separateValues: false,
        relocate: new Set([victim]),
      })
      await sink.openVlog()
      await sink.nextTable()
      const it = ctx.table(file.fileNo).iterator()
      let n = 0
      for (it.first(); it.valid(); it.next()) {
        sink.add(it.key(), it.value())
        if (++n % YIELD_EVERY_ENTRIES === 0) await ctx.yieldNow()
      }
      const result = await sink.finish()
      deleteFiles.push([level, file.fileNo])
      for (const out of result.files) addFiles.push([level, out] as [number, FileMeta])
      if (result.vlog !== undefined) addVlogs.push(result.vlog)
      bytesRead += file.sizeBytes
      bytesWritten += result.bytesWritten
    }
  }
  const edit: VersionEdit = { deleteFiles, addFiles, addVlogs, deleteVlogs: [victim] }
  return { edit, bytesRead, bytesWritten }
}
