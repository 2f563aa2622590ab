/**
 * RaftLogEngine: ONE append-only log for every shard replica on a node (ARCHITECTURE.md), with
 * group commit, segment rotation, garbage collection and crash recovery.
 *
 * Group commit. `append` validates the call's shape, queues it and returns a promise that
 * resolves after the fsync of the batch that carries it. One loop forms a batch from
 * everything queued (up to batchBytesMax, at least one call), appends it to the active
 * segment in one write, fsyncs once and then resolves every caller in it. Trigger: the loop
 * starts on the microtask after the first queued call (so every append made in the same
 * turn of the host joins one batch), and calls queued while an fsync is in flight form the
 * next batch as soon as it returns. One batch is in flight at a time, which is what lets
 * recovery treat only the tail of the last segment as possibly torn.
 *
 * Index. Per shard, the engine keeps each entry's term and disk location (shard-log.ts), not
 * its data; `entries` reads data back with readAt (page cache) and verifies each entry's
 * checksum, unless the shard's most recent entries still hold it (recent-entries.ts). The
 * index reflects every batch written to the file, including one whose fsync is still in
 * flight (the Raft core holds such entries as unstable anyway).
 *
 * Segments and GC. After a batch, a segment over segmentBytesTarget is sealed and a new one
 * created durably. A sealed segment is deleted, oldest first, once every shard with a record
 * in it has a complete rewrite in a later segment (recovery.ts explains why that suffices).
 * When more than closedSegmentsMax sealed segments remain, every shard that pins one is
 * rewritten forward (marker, live entries, hard state) into the active segment in the next
 * batch, so one slow or idle shard cannot pin disk forever. Cost: each GC round copies the
 * live (uncompacted) part of the shards it rewrites, once per closedSegmentsMax segments.
 *
 * Failure policy (fsyncgate). If a write, fsync, segment creation or removal fails, the
 * engine enters a failed state: every queued and later call rejects with the cause, reads
 * included, and nothing is retried. The node must exit and recover from disk.
 */
import { assert } from '../../shared/assert.ts'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import type { Deferred } from '../../shared/deferred.ts'
import { deferred } from '../../shared/deferred.ts'
import { ShoalError, isShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { FileSystem, ReadableFile, WritableFile } from '../vfs/vfs.ts'
import { joinPath } from '../vfs/vfs.ts'
import type { BatchTarget } from './batch.ts'
import { encodeRewrite, encodeWrite, validateCall } from './batch.ts'
import { entryHeaderBytes } from './record.ts'
import { EntryReader } from './entry-reader.ts'
import type { HardState } from './record.ts'
import { RecentEntries } from './recent-entries.ts'
import { recoverLog } from './recovery.ts'
import { createSegment, segmentFileName } from './segment.ts'
import type { LogEntry, LogWrite } from './shard-log.ts'
import { ShardLog, writeProblem } from './shard-log.ts'

export type { LogEntry, LogWrite } from './shard-log.ts'
export type { HardState } from './record.ts'

export interface RaftLogEngineOptions {
  readonly segmentBytesTarget?: number
  readonly batchBytesMax?: number
  readonly closedSegmentsMax?: number
  /**
   * Test only, never on by default: a deliberate bug the crash tests must catch.
   * 'ack-before-fsync' resolves a batch's callers before its fsync (crash.test.ts).
   */
  readonly plantedBug?: 'ack-before-fsync'
}

interface Segment {
  readonly id: number
  readonly path: string
  readonly reader: ReadableFile
  /** Shards with any record in this segment. */
  readonly shards: Set<number>
}

type Queued =
  | { readonly kind: 'writes'; readonly writes: readonly LogWrite[]; readonly bytes: number }
  | { readonly kind: 'compact'; readonly shardId: number; readonly throughIndex: number }

type QueuedCall = Queued & { readonly done: Deferred<void> }

export class RaftLogEngine {
  readonly stats = {
    appendCalls: 0,
    batches: 0,
    syncs: 0,
    bytesWritten: 0,
    rewrites: 0,
    segmentsCreated: 0,
    segmentsDeleted: 0,
    recoveredCutBytes: 0,
  }
  readonly #fs: FileSystem
  readonly #dir: string
  readonly #segmentBytesTarget: number
  readonly #batchBytesMax: number
  readonly #closedSegmentsMax: number
  readonly #plantedBug: RaftLogEngineOptions['plantedBug']
  readonly #shards: Map<number, ShardLog>
  readonly #rewrittenIn: Map<number, number>
  /** Oldest first; the last one is active. Invariant: ids are consecutive. */
  readonly #segments: Segment[] = []
  readonly #segmentsById = new Map<number, Segment>()
  readonly recent = new RecentEntries({
    entriesMax: limits.raftLogRecentEntriesMax,
    bytesMax: limits.raftLogRecentBytesMax,
  })
  readonly #reader = new EntryReader((segmentId) => {
    const segment = this.#segmentsById.get(segmentId)
    assert(segment !== undefined, `entry in deleted segment ${segmentId}`)
    return segment.reader
  })
  #active: WritableFile
  #queue: QueuedCall[] = []
  /** Callers of the batch being written and synced; rejected too if it fails. */
  #inFlight: Array<Deferred<void>> = []
  #rewriteShards = new Set<number>()
  #running: Promise<void> | undefined
  #failure: ShoalError | undefined
  #closed = false

  private constructor(
    fs: FileSystem,
    dir: string,
    options: RaftLogEngineOptions,
    shards: Map<number, ShardLog>,
    rewrittenIn: Map<number, number>,
    active: WritableFile,
  ) {
    this.#fs = fs
    this.#dir = dir
    this.#segmentBytesTarget = options.segmentBytesTarget ?? limits.raftLogSegmentBytesTarget
    this.#batchBytesMax = options.batchBytesMax ?? limits.raftLogBatchBytesMax
    this.#closedSegmentsMax = options.closedSegmentsMax ?? limits.raftLogClosedSegmentsMax
    this.#plantedBug = options.plantedBug
    assert(this.#segmentBytesTarget > 0 && this.#batchBytesMax > 0, 'limits must be positive')
    assert(this.#closedSegmentsMax >= 0, 'closedSegmentsMax must be non-negative')
    this.#shards = shards
    this.#rewrittenIn = rewrittenIn
    this.#active = active
  }

  /** Recovers the log in `dir` (creating it if empty) and makes it durable before serving. */
  static async open(
    fs: FileSystem,
    dir: string,
    options: RaftLogEngineOptions = {},
  ): Promise<RaftLogEngine> {
    const recovered = await recoverLog(fs, dir)
    const last = recovered.segments[recovered.segments.length - 1]
    let active: WritableFile
    if (last === undefined) {
      active = await createSegment(fs, dir, 1)
    } else {
      active = await fs.openAppend(last.path)
      assert(active.sizeBytes === last.sizeBytes, 'segment size changed during recovery')
      await active.sync() // a process crash may have left page-cache-only bytes
      await fs.fsyncDir(dir)
    }
    const engine = new RaftLogEngine(
      fs,
      dir,
      options,
      recovered.shards,
      recovered.rewrittenIn,
      active,
    )
    engine.stats.recoveredCutBytes = recovered.cutBytes
    const ids = recovered.segments.map((segment) => segment.id)
    if (ids.length === 0) ids.push(1)
    for (const id of ids) {
      await engine.#addSegment(id, recovered.segmentShards.get(id) ?? new Set())
    }
    return engine
  }

  async #addSegment(id: number, shards: Set<number>): Promise<void> {
    const path = joinPath(this.#dir, segmentFileName(id))
    const segment = { id, path, reader: await this.#fs.openRead(path), shards }
    this.#segments.push(segment)
    this.#segmentsById.set(id, segment)
  }

  get failure(): ShoalError | undefined {
    return this.#failure
  }

  #usable(): void {
    if (this.#failure !== undefined) throw this.#failure
    if (this.#closed) throw new ShoalError('closed', 'raft log engine is closed')
  }

  /**
   * Persists `writes` (at most one per shard) and resolves after the fsync of the batch that
   * carries them. A write that breaks a log rule rejects the whole call with 'bad-request'
   * and changes nothing.
   */
  append(writes: readonly LogWrite[]): Promise<void> {
    try {
      this.#usable()
      const bytes = validateCall(writes)
      return this.#enqueue({ kind: 'writes', writes, bytes })
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Marks entries <= throughIndex of a shard as no longer needed (the LSM flushed them and a
   * snapshot covers them), durably. Their segments become collectable.
   */
  compact(shardId: number, throughIndex: number): Promise<void> {
    try {
      this.#usable()
      assert(Number.isSafeInteger(throughIndex) && throughIndex >= 0, 'index must be u64')
      return this.#enqueue({ kind: 'compact', shardId, throughIndex })
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #enqueue(queued: Queued): Promise<void> {
    if (this.#queue.length >= limits.raftLogQueuedWritesMax) {
      throw new ShoalError('overloaded', 'raft log queue is full')
    }
    const done = deferred<void>()
    this.#queue.push({ ...queued, done })
    this.stats.appendCalls++
    if (this.#running === undefined) {
      this.#running = Promise.resolve().then(() => this.#run())
    }
    return done.promise
  }

  async #run(): Promise<void> {
    try {
      while (this.#failure === undefined && this.#hasWork()) {
        const bytes = this.#writeBatch()
        if (this.#plantedBug === 'ack-before-fsync') {
          for (const waiter of this.#inFlight) waiter.resolve()
        }
        if (bytes > 0) {
          await this.#active.sync()
          this.stats.syncs++
        }
        for (const waiter of this.#inFlight) waiter.resolve()
        this.#inFlight = []
        await this.#maintain()
      }
    } catch (error) {
      this.#fail(error)
    } finally {
      this.#running = undefined
    }
  }

  #hasWork(): boolean {
    return this.#queue.length > 0 || this.#rewriteShards.size > 0
  }

  /** Forms one batch into #inFlight, appends it (not yet synced); returns its bytes. */
  /**
   * A first buffer about the size of what is queued (one turn of a busy node is a few KiB), so
   * each batch does not allocate and zero 64 KiB; a rewrite or a larger batch grows it.
   */
  #batchCapacityHint(): number {
    let bytes = 256
    for (const call of this.#queue) bytes += call.kind === 'writes' ? call.bytes + 64 : 64
    return Math.min(bytes, 64 * 1024)
  }

  #writeBatch(): number {
    const active = this.#segments[this.#segments.length - 1]!
    const target: BatchTarget = {
      writer: new ByteWriter(this.#batchCapacityHint()),
      segmentId: active.id,
      baseOffset: this.#active.sizeBytes,
    }
    for (const shardId of [...this.#rewriteShards].sort((a, b) => a - b)) {
      this.#rewrite(target, shardId, active)
    }
    this.#rewriteShards.clear()
    const waiters = this.#inFlight
    let taken = 0
    while (taken < this.#queue.length && target.writer.length < this.#batchBytesMax) {
      const call = this.#queue[taken++]!
      const problem = this.#encodeCall(target, call, active)
      if (problem === undefined) waiters.push(call.done)
      else call.done.reject(problem)
    }
    this.#queue = this.#queue.slice(taken)
    if (target.writer.length > 0) {
      this.#active.append(target.writer.view())
      this.stats.bytesWritten += target.writer.length
    }
    this.stats.batches++
    return target.writer.length
  }

  #encodeCall(target: BatchTarget, call: QueuedCall, active: Segment): ShoalError | undefined {
    const writes: LogWrite[] = []
    if (call.kind === 'compact') {
      const shard = this.#shard(call.shardId, false)
      const term = shard.term(call.throughIndex)
      if (term === undefined) {
        const log = `${shard.firstIndex}..${shard.lastIndex}`
        const what = `cannot compact through ${call.throughIndex} (log ${log})`
        return new ShoalError('bad-request', `shard ${call.shardId}: ${what}`)
      }
      writes.push({ shardId: call.shardId, snapshot: { index: call.throughIndex, term } })
    } else {
      writes.push(...call.writes)
    }
    const newShards = writes.filter((write) => !this.#shards.has(write.shardId)).length
    if (this.#shards.size + newShards > limits.raftLogShardsMax) {
      return new ShoalError('too-large', 'more shards than raftLogShardsMax')
    }
    for (const write of writes) {
      const problem = writeProblem(this.#shard(write.shardId, false), write)
      if (problem !== undefined) {
        return new ShoalError('bad-request', `shard ${write.shardId}: ${problem}`)
      }
    }
    for (const write of writes) {
      encodeWrite(target, this.#shard(write.shardId, true), write, (appended) =>
        this.recent.remember(write.shardId, appended),
      )
      active.shards.add(write.shardId)
    }
    return undefined
  }

  #shard(shardId: number, create: boolean): ShardLog {
    const existing = this.#shards.get(shardId)
    if (existing !== undefined) return existing
    const shard = new ShardLog(shardId)
    if (create) this.#shards.set(shardId, shard)
    return shard
  }

  #rewrite(target: BatchTarget, shardId: number, active: Segment): void {
    const shard = this.#shards.get(shardId)
    assert(shard !== undefined, 'rewrite of an unknown shard')
    const live = this.#reader.read(shard, shard.firstIndex, shard.lastIndex + 1, Infinity)
    encodeRewrite(target, shard, live)
    active.shards.add(shardId)
    this.#rewrittenIn.set(shardId, active.id)
    this.stats.rewrites++
  }

  /** After a durable batch: seal a full segment, delete collectable ones, plan rewrites. */
  async #maintain(): Promise<void> {
    if (this.#active.sizeBytes >= this.#segmentBytesTarget) {
      const next = this.#segments[this.#segments.length - 1]!.id + 1
      const file = await createSegment(this.#fs, this.#dir, next)
      this.#active.close()
      this.#active = file
      await this.#addSegment(next, new Set())
      this.stats.segmentsCreated++
    }
    // Oldest first, one directory fsync per removal: a crash can then only bring back a
    // prefix of the removed segments, so the surviving ids stay consecutive.
    while (this.#segments.length > 1 && this.#collectable(this.#segments[0]!)) {
      const segment = this.#segments.shift()!
      this.#segmentsById.delete(segment.id)
      segment.reader.close()
      await this.#fs.remove(segment.path)
      await this.#fs.fsyncDir(this.#dir)
      this.stats.segmentsDeleted++
    }
    const sealed = this.#segments.slice(0, -1)
    if (sealed.length > this.#closedSegmentsMax) {
      for (const segment of sealed) {
        for (const shardId of segment.shards) {
          if (!this.#rewrittenAfter(shardId, segment.id)) this.#rewriteShards.add(shardId)
        }
      }
    }
  }

  #rewrittenAfter(shardId: number, segmentId: number): boolean {
    return (this.#rewrittenIn.get(shardId) ?? 0) > segmentId
  }

  #collectable(segment: Segment): boolean {
    for (const shardId of segment.shards) {
      if (!this.#rewrittenAfter(shardId, segment.id)) return false
    }
    return true
  }

  #fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    const code = isShoalError(error) ? error.code : 'io'
    this.#failure ??= new ShoalError(code, `raft log failed, restart required: ${message}`, {
      cause: error,
    })
    for (const waiter of this.#inFlight) waiter.reject(this.#failure)
    for (const call of this.#queue) call.done.reject(this.#failure)
    this.#inFlight = []
    this.#queue = []
    this.#rewriteShards.clear()
  }

  /**
   * Entries [lo, hi) of a shard: at least one, then more while their encoded size (16-byte
   * header plus data each) stays within maxBytes. Each one read from disk is checksum-verified;
   * recent ones come from memory (recent-entries.ts).
   */
  entries(shardId: number, lo: number, hi: number, maxBytes: number): LogEntry[] | 'compacted' {
    this.#usable()
    const shard = this.#shards.get(shardId) ?? new ShardLog(shardId)
    assert(lo <= hi && hi <= shard.lastIndex + 1, `entries [${lo}, ${hi}) past the log's end`)
    if (lo < shard.firstIndex) return 'compacted'
    if (lo === hi) return []
    const recent = this.recent.read(shardId, lo, hi, maxBytes, shard)
    if (recent.length === 0) return this.#reader.read(shard, lo, hi, maxBytes)
    // The rest (rare: the window ended or a term differed) comes from disk, within the budget.
    const next = lo + recent.length
    let budget = maxBytes
    for (const entry of recent) budget -= entryHeaderBytes + entry.data.length
    if (next === hi || shard.location(next).sizeBytes > budget) return recent
    return recent.concat(this.#reader.read(shard, next, hi, budget))
  }

  /** Term of `index`, for snapshotIndex..lastIndex of the shard. */
  term(shardId: number, index: number): number | 'compacted' | 'unavailable' {
    this.#usable()
    const shard = this.#shards.get(shardId) ?? new ShardLog(shardId)
    const term = shard.term(index)
    if (term !== undefined) return term
    return index < shard.snapshotIndex ? 'compacted' : 'unavailable'
  }

  firstIndex(shardId: number): number {
    this.#usable()
    return this.#shards.get(shardId)?.firstIndex ?? 1
  }

  lastIndex(shardId: number): number {
    this.#usable()
    return this.#shards.get(shardId)?.lastIndex ?? 0
  }

  hardState(shardId: number): HardState | undefined {
    this.#usable()
    return this.#shards.get(shardId)?.hardState
  }

  shardIds(): number[] {
    return [...this.#shards.keys()].sort((a, b) => a - b)
  }

  segmentIds(): number[] {
    return this.#segments.map((segment) => segment.id)
  }

  /** Waits for the batch in flight, then closes every file. Later calls reject 'closed'. */
  async close(): Promise<void> {
    while (this.#running !== undefined) await this.#running
    this.#closed = true
    for (const call of this.#queue) call.done.reject(new ShoalError('closed', 'engine closed'))
    this.#queue = []
    this.#active.close()
    for (const segment of this.#segments) segment.reader.close()
  }
}
