/**
 * Db: the LSM engine's facade. Writes go to the WAL (group commit) and the active memtable;
 * full memtables rotate into immutable ones that a background loop flushes to L0; another
 * compacts (picker.ts; both on worker threads: background-worker.ts) and collects value-log
 * files. Reads are synchronous over a consistent view (memtables + current Version); iterators
 * pin their Version so files they read are deleted only after they finish. Any background I/O
 * failure is fatal (fsyncgate): every later call rejects with it.
 */
import { assert, INVARIANTS } from '../../shared/assert.ts'
import { corruption, ShoalError } from '../../shared/errors.ts'
import { deferred, type Deferred } from '../../shared/deferred.ts'
import { joinPath } from '../vfs/vfs.ts'
import { adoptInSlices, BlockCache } from './block-cache.ts'
import { ByteSlab } from './byte-slab.ts'
import { LoopTurns } from './loop-turns.ts'
import { Pins } from './pins.ts'
import { answerValue, itemOf, markerOf, valueOf } from './read-values.ts'
import { checkConsistency, type ConsistencyReport } from './consistency.ts'
import { pickCompaction, type CompactionPlan } from './compaction/picker.ts'
import * as jobs from './compaction/compaction.ts'
import { backgroundFor, type Background } from './compaction/background-worker.ts'
import { decodePointer, encodePointer, expiryOf, type ValuePointer } from './entry-value.ts'
import { CURRENT, manifestName, tableName, vlogName, walName } from './file-names.ts'
import { encodeInternalKey, Kind, kindOf, userKeyOf } from './internal-key.ts'
import type { VersionEdit } from './manifest/version-edit.ts'
import { emptyVersion, recoverManifest, VersionSet } from './manifest/version-set.ts'
import type { FileMeta, Version } from './manifest/version.ts'
import { Memtable } from './memtable.ts'
import { resolveOptions, type DbOptions, type ResolvedOptions } from './options.ts'
import { collectKey, findLatest, scanGroups, type ReadView } from './read-path.ts'
import { ReadViews } from './read-view.ts'
import { PointLookup } from './point-lookup.ts'
import { missingIsCorruption, removeOrphans, replayWals } from './recovery.ts'
import { readableAt } from './retention.ts'
import { ADOPT_AT_OPEN, TableReader } from './sstable/reader.ts'
import { computeStats, DbCounters, type DbStats } from './stats.ts'
import { VlogReaders } from './value-log/value-log.ts'
import { WalWriter } from './wal/wal-writer.ts'
import { encodeBatch, stampOf, WriteBatch, type PutOptions } from './write-batch.ts'
import {
  needsValueLog,
  openMemtableVlog,
  separateValues,
  writeChunkedValue,
} from './value-separation.ts'
import { limits } from '../../shared/limits.ts'
import type {
  Item,
  ItemPutOptions,
  IterateOptions,
  ReadOptions,
  Snapshot,
  VersionsOptions,
  WriteOptions,
} from './db-types.ts'

export type * from './db-types.ts'

const NO_READ_OPTIONS: ReadOptions = Object.freeze({})

export class Db {
  readonly #o: ResolvedOptions
  readonly #vs: VersionSet
  readonly #cache: BlockCache
  readonly #vlogs: VlogReaders
  readonly #tables = new Map<number, TableReader>()
  readonly #wals = new Map<number, WalWriter>()
  readonly #pins = new Pins()
  /** Small values and keys handed to readers are copied into shared slabs (byte-slab.ts). */
  readonly #slab = new ByteSlab()
  readonly #pinned = new Set<Version>()
  readonly #obsoleteTables = new Set<number>()
  readonly #obsoleteVlogs = new Set<number>()
  readonly #compactPointers = new Map<number, Uint8Array>()
  readonly counters = new DbCounters()
  #mem: Memtable
  #imm: Memtable[] = []
  readonly #views = new ReadViews((fileNo: number): TableReader => this.#table(fileNo))
  readonly #lookup: PointLookup
  #wal: WalWriter | undefined
  #rotating: Promise<void> | undefined
  #flushing: Promise<void> | undefined
  #compacting: Promise<void> | undefined
  #jobChain: Promise<unknown> = Promise.resolve()
  /** Runs flushes and merges on worker threads or this one (options.backgroundWorkers). */
  readonly #background: Background
  readonly #turns: LoopTurns
  #admission: Promise<void> = Promise.resolve()
  #progress: Deferred<void> = deferred<void>()
  #fatal: Error | undefined
  #closed = false

  private constructor(o: ResolvedOptions, vs: VersionSet, mem: Memtable) {
    this.#o = o
    this.#vs = vs
    this.#mem = mem
    this.#cache = new BlockCache(o.blockCacheBytes)
    this.#lookup = new PointLookup(o.clock)
    this.#vlogs = new VlogReaders(o.fs, o.dir)
    this.#turns = new LoopTurns(o.clock, 1)
    const inline = (job: jobs.MergeJob): Promise<jobs.MergeResult> =>
      jobs.runMerge(this.#jobContext(), job)
    this.#background = backgroundFor(o, this.#cache, () => this.#vs.newFileNo(), inline)
  }

  static async open(options: DbOptions): Promise<Db> {
    const o = resolveOptions(options)
    await o.fs.mkdirp(o.dir)
    const recovered = await recoverManifest(o.fs, o.dir, limits.lsmLevelsMax)
    if (recovered === undefined) await Db.#checkFresh(o)
    const vs = new VersionSet(
      o.fs,
      o.dir,
      {
        version: recovered?.version ?? emptyVersion(limits.lsmLevelsMax),
        nextFileNo: recovered?.nextFileNo ?? 1,
        lastSeq: recovered?.lastSeq ?? 0,
        logNumber: recovered?.logNumber ?? 0,
        metadata: recovered?.metadata,
      },
      {
        manifestBytesMax: o.manifestBytesMax,
        skipRenameSync: o.plantedBug === 'no-dir-fsync-after-rename',
      },
    )
    const db = new Db(o, vs, new Memtable(o.prng.fork(), 0))
    try {
      await db.#recover()
    } catch (error) {
      db.#closeFiles()
      throw error
    }
    return db
  }

  /** No CURRENT: new, or a crashed first open (acked nothing; a MANIFEST left is debris). */
  static async #checkFresh(o: ResolvedOptions): Promise<void> {
    const names = await o.fs.list(o.dir)
    const stray = names.find((n) => /\.(sst|log|vlog)$/.test(n))
    if (stray !== undefined) {
      throw corruption(joinPath(o.dir, CURRENT), 0, `CURRENT missing but ${stray} exists`)
    }
  }

  async #recover(): Promise<void> {
    const o = this.#o
    await this.#openFiles(this.#vs.current)
    const replayed = new Memtable(o.prng.fork(), 0)
    const skipCorrupt = o.plantedBug === 'wal-skip-mid-log-corruption'
    const replay = await replayWals(o.fs, o.dir, this.#vs.logNumber, replayed, skipCorrupt)
    this.#vs.lastSeq = Math.max(this.#vs.lastSeq, replay.lastSeq)
    this.#vs.nextFileNo = Math.max(this.#vs.nextFileNo, replay.maxFileNo + 1)
    await this.#vs.writeSnapshot()
    for (const fileNo of replayed.vlogRefs) {
      const path = joinPath(o.dir, vlogName(fileNo))
      await missingIsCorruption(path, () => this.#vlogs.ensureOpen(fileNo))
    }
    const fresh = await this.#freshMemtable()
    this.#mem = fresh.mem
    this.#wal = fresh.wal
    const walNo = fresh.mem.walFileNo
    const edit: VersionEdit = o.wal ? { logNumber: walNo } : {}
    if (replayed.count > 0) {
      const result = await jobs.flushMemtable(this.#jobContext(), replayed)
      Object.assign(edit, result.edit)
      await this.#openFiles(undefined, result.edit)
    }
    await this.#vs.logAndApply(edit)
    await removeOrphans(o.fs, o.dir, {
      version: this.#vs.current,
      logNumber: this.#vs.logNumber,
      walNo,
      manifestNo: this.#vs.manifestNo,
    })
    this.#kick()
  }

  /** Opens readers for every table and value log of `version` or added by `edit`. */
  async #openFiles(version: Version | undefined, edit?: VersionEdit): Promise<void> {
    const tables: FileMeta[] = []
    if (version !== undefined) for (const level of version.levels) tables.push(...level)
    for (const [, file] of edit?.addFiles ?? []) tables.push(file)
    const opened: TableReader[] = []
    for (const file of tables) {
      if (this.#tables.has(file.fileNo)) continue
      const path = joinPath(this.#o.dir, tableName(file.fileNo))
      const open = () => TableReader.open(this.#o.fs, path, file.fileNo, this.#cache)
      opened.push(await missingIsCorruption(path, open))
      this.#tables.set(file.fileNo, opened.at(-1)!)
    }
    void adoptInSlices(opened, ADOPT_AT_OPEN)
    const vlogs = [...(version?.vlogs.keys() ?? []), ...(edit?.addVlogs ?? []).map((v) => v.fileNo)]
    for (const fileNo of vlogs) {
      const path = joinPath(this.#o.dir, vlogName(fileNo))
      await missingIsCorruption(path, () => this.#vlogs.ensureOpen(fileNo))
    }
  }

  #jobContext(): jobs.JobContext {
    const o = this.#o
    return {
      fs: o.fs,
      dir: o.dir,
      newFileNo: () => this.#vs.newFileNo(),
      writer: { blockBytes: o.blockBytes, bloomBitsPerKey: o.bloomBitsPerKey },
      vlogs: this.#vlogs,
      vlogThresholdBytes: o.valueLogThresholdBytes,
      offerBlock: (fileNo, path, i, bytes) => this.#cache.offer(fileNo, path, i, bytes),
      table: (fileNo) => this.#table(fileNo),
      retention: o.retention,
      yieldNow: () => new Promise<void>((resolve) => setImmediate(resolve)),
      targetFileBytes: o.targetFileBytes,
    }
  }

  #table(fileNo: number): TableReader {
    const table = this.#tables.get(fileNo)
    if (table === undefined) {
      throw corruption(joinPath(this.#o.dir, tableName(fileNo)), 0, 'table not open')
    }
    return table
  }

  readonly #onWalSync = (): void => {
    this.counters.walSyncs++
  }

  #check(): void {
    if (this.#fatal !== undefined) throw this.#fatal
    if (this.#closed) throw new ShoalError('closed', 'db is closed')
  }

  // ---------------------------------------------------------------- writes

  #putOptions(options: ItemPutOptions): PutOptions {
    if (options.ttlMs === undefined) return stampOf(options)
    return { ...stampOf(options), expiresAtMs: Math.max(1, this.#o.clock.wallMs() + options.ttlMs) }
  }

  async put(key: Uint8Array, value: Uint8Array, options: ItemPutOptions = {}): Promise<void> {
    return this.write(new WriteBatch().put(key, value, this.#putOptions(options)), options)
  }

  /**
   * Stores a value of up to 2 GiB given as chunks, never whole in memory: they go to a value
   * log of their own, synced before the pointer is written like any put. Read: getStream.
   */
  async putStream(
    key: Uint8Array,
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: ItemPutOptions = {},
  ): Promise<void> {
    this.#check()
    const batch = new WriteBatch().put(key, new Uint8Array(0), this.#putOptions(options))
    const op = batch.ops[0]!
    const ikey = encodeInternalKey(op.userKey, op.timestamp, op.version, 0, Kind.pointer)
    const fileNo = this.#vs.newFileNo()
    const pointer = await writeChunkedValue(
      this.#o.fs,
      this.#o.dir,
      fileNo,
      this.#vlogs,
      ikey,
      chunks,
    )
    const entry = encodePointer(pointer, expiryOf(op.entry, 'batch'))
    batch.ops[0] = { ...op, kind: Kind.pointer, entry }
    batch.userBytes += pointer.length
    return this.write(batch, options)
  }

  async delete(
    key: Uint8Array,
    options: WriteOptions & { timestamp?: number; version?: number } = {},
  ): Promise<void> {
    return this.write(new WriteBatch().delete(key, stampOf(options)), options)
  }

  /**
   * Applies a batch atomically. Writes are admitted in call order (one FIFO queue), so sequence
   * numbers follow call order; with `sync` the call resolves after a group-commit fsync.
   */
  async write(batch: WriteBatch, options: WriteOptions = {}): Promise<void> {
    this.#check()
    if (batch.count === 0) return
    const admitted = this.#admission.then(async () => {
      await this.#makeRoom()
      await this.#ensureValueLog(batch)
      this.#check()
      try {
        return this.#apply(batch)
      } catch (error) {
        this.#fail(error)
        throw error
      }
    })
    this.#admission = admitted.then(
      () => undefined,
      () => undefined,
    )
    const { wal, end } = await admitted
    if (options.sync === true && wal !== undefined) await wal.syncTo(end)
  }

  #apply(batch: WriteBatch): { wal: WalWriter | undefined; end: number } {
    const firstSeq = this.#vs.lastSeq + 1
    const threshold = this.#o.valueLogThresholdBytes
    const { ops, vlogBytes } = separateValues(batch.ops, firstSeq, this.#mem.valueLog, threshold)
    this.#vs.lastSeq += batch.count
    this.counters.vlogWriteBytes += vlogBytes
    const vlog = this.#mem.valueLog
    if (vlog !== undefined && vlog.unsyncedBytes >= limits.lsmValueLogSyncBytes) {
      // bytes_per_sync: steady write-back instead of a large dirty backlog that stalls writers
      void vlog.syncAll().catch((error: unknown) => this.#fail(error))
    }
    const wal = this.#wal
    let end = 0
    if (wal !== undefined) {
      const before = wal.bytesWritten
      end = wal.append(encodeBatch(ops, firstSeq))
      this.counters.walBytes += wal.bytesWritten - before
    }
    this.#mem.apply(ops, firstSeq)
    this.counters.userWrites += batch.count
    this.counters.userBytesWritten += batch.userBytes
    return { wal, end }
  }

  /** Waits until the memtable has room and L0 is below the stop trigger (stall accounting). */
  async #makeRoom(): Promise<void> {
    const o = this.#o
    let slowed = false
    const started = o.clock.monotonicMs()
    let stalled = false
    if (this.#flushing !== undefined || this.#compacting !== undefined) await this.#turns.starved()
    for (;;) {
      this.#check()
      const l0 = this.#vs.current.levels[0]!.length
      const compacting = o.autoCompaction
      const vlogBytes = this.#mem.valueLog?.sizeBytes ?? 0
      if (this.#mem.approximateBytes >= o.memtableBytes || vlogBytes >= o.valueLogFileBytes) {
        if (this.#imm.length >= limits.lsmImmutableMemtablesMax) {
          stalled = true
          await this.#progress.promise
        } else await this.#rotate()
      } else if (compacting && l0 >= o.l0StopTrigger) {
        stalled = true
        await this.#progress.promise
      } else if (compacting && l0 >= o.l0SlowdownTrigger && !slowed) {
        slowed = true
        this.counters.slowdowns++
        await new Promise<void>((resolve) => o.timers.after(1, resolve))
      } else break
    }
    if (stalled) {
      this.counters.stalls++
      this.counters.stallMs += o.clock.monotonicMs() - started
    }
  }

  #rotate(): Promise<void> {
    this.#rotating ??= this.#doRotate().finally(() => (this.#rotating = undefined))
    return this.#rotating
  }

  async #doRotate(metadata?: Uint8Array): Promise<void> {
    const { mem, wal } = await this.#freshMemtable()
    const old = this.#mem
    if (metadata !== undefined) old.pendingMetadata = metadata
    this.#imm.push(old)
    this.#mem = mem
    this.#wal = wal
    this.#kick()
  }

  /** A new active memtable and its WAL (when on); each WAL sync syncs the value log first. */
  async #freshMemtable(): Promise<{ mem: Memtable; wal: WalWriter | undefined }> {
    const o = this.#o
    if (!o.wal) return { mem: new Memtable(o.prng.fork(), 0), wal: undefined }
    const walNo = this.#vs.newFileNo()
    const file = await o.fs.create(joinPath(o.dir, walName(walNo)))
    const named = o.fs.fsyncDir(o.dir) // durable in the background: only WAL syncs wait for it
    named.catch((error: unknown) => this.#fail(error))
    const mem = new Memtable(o.prng.fork(), walNo)
    const syncValues = async (): Promise<void> => named.then(() => mem.valueLog?.syncAll())
    const wal = new WalWriter(walNo, file, this.#onWalSync, syncValues)
    this.#wals.set(walNo, wal)
    return { mem, wal }
  }

  /** Gives the active memtable a value log (before a batch with large values is applied). */
  async #ensureValueLog(batch: WriteBatch): Promise<void> {
    const o = this.#o
    if (!needsValueLog(batch.ops, o.valueLogThresholdBytes)) return
    while (this.#mem.valueLog === undefined) {
      const mem = this.#mem
      const fileNo = this.#vs.newFileNo()
      const writer = await openMemtableVlog(o.fs, o.dir, fileNo, this.#vlogs)
      if (this.#mem === mem && mem.valueLog === undefined && !this.#closed) {
        mem.adoptValueLog(fileNo, writer)
      } else await writer.finish() // lost a race: an empty file that orphan removal deletes
      this.#check()
    }
  }

  /**
   * Makes every write made before this call durable in tables. With `metadata`, it is stored in
   * the same manifest edit as the last flushed table (e.g. a raft applied index), and is
   * `db.metadata` after the next open.
   */
  async flush(options: { metadata?: Uint8Array } = {}): Promise<void> {
    this.#check()
    while (this.#rotating !== undefined) await this.#rotating
    if (this.#mem.count > 0 || options.metadata !== undefined) {
      const rotation = this.#doRotate(options.metadata)
      this.#rotating = rotation
      await rotation.finally(() => {
        this.#rotating = undefined
      })
    }
    const target = this.#imm.at(-1)
    while (target !== undefined && this.#imm.includes(target)) {
      this.#check()
      await this.#progress.promise
    }
    this.#check()
  }

  get metadata(): Uint8Array | undefined {
    return this.#vs.metadata
  }

  get lastSeq(): number {
    return this.#vs.lastSeq
  }

  // ---------------------------------------------------------------- background

  #wake(): void {
    const progress = this.#progress
    this.#progress = deferred<void>()
    progress.resolve()
  }

  #fail(error: unknown): void {
    if (this.#fatal === undefined) {
      this.#fatal = error instanceof Error ? error : new ShoalError('internal', String(error))
      this.#o.logger.error('lsm background failure', { error: String(error) })
    }
    this.#wake()
  }

  #kick(): void {
    if (this.#closed || this.#fatal !== undefined) return
    if (this.#flushing === undefined && this.#imm.length > 0) {
      this.#flushing = this.#flushLoop()
        .catch((error: unknown) => this.#fail(error))
        .finally(() => {
          this.#flushing = undefined
          this.#kick()
        })
    }
    if (this.#compacting === undefined && this.#o.autoCompaction) {
      this.#compacting = this.#compactLoop()
        .catch((error: unknown) => this.#fail(error))
        .finally(() => {
          this.#compacting = undefined
        })
    }
  }

  async #flushLoop(): Promise<void> {
    while (this.#imm.length > 0 && this.#fatal === undefined) {
      const memtable = this.#imm[0]!
      const result = await jobs.flushMemtable(this.#jobContext(), memtable, this.#background.flush)
      await this.#openFiles(undefined, result.edit)
      const edit = result.edit
      if (this.#o.wal) edit.logNumber = this.#imm[1]?.walFileNo ?? this.#mem.walFileNo
      if (memtable.pendingMetadata !== undefined) edit.metadata = memtable.pendingMetadata
      await this.#install(edit, () => {
        assert(this.#imm[0] === memtable, 'flush order')
        this.#imm.shift()
      })
      this.counters.flushes++
      this.counters.flushBytesWritten += result.bytesWritten
      const wal = this.#wals.get(memtable.walFileNo)
      if (wal !== undefined) {
        this.#wals.delete(memtable.walFileNo)
        await wal.retire()
        await this.#o.fs.remove(wal.path)
      }
      this.#wake()
      this.#kick()
    }
  }

  async #install(edit: VersionEdit, onInstall?: () => void): Promise<void> {
    await this.#vs.logAndApply(edit, (after, before) => {
      onInstall?.()
      if (INVARIANTS) after.check()
      const live = after.fileNos()
      for (const fileNo of before.fileNos()) {
        if (!live.has(fileNo)) this.#obsoleteTables.add(fileNo)
      }
      for (const fileNo of before.vlogs.keys()) {
        if (!after.vlogs.has(fileNo)) this.#obsoleteVlogs.add(fileNo)
      }
    })
    await this.#collectGarbage()
  }

  /** Deletes obsolete files no live or pinned version references. */
  async #collectGarbage(): Promise<void> {
    const liveTables = this.#vs.current.fileNos()
    const liveVlogs = new Set(this.#vs.current.vlogs.keys())
    for (const fileNo of this.#pins.pinnedVlogs()) liveVlogs.add(fileNo)
    for (const version of this.#pinned) {
      for (const fileNo of version.fileNos()) liveTables.add(fileNo)
      for (const fileNo of version.vlogs.keys()) liveVlogs.add(fileNo)
    }
    for (const fileNo of [...this.#obsoleteTables]) {
      if (!this.#obsoleteTables.has(fileNo) || liveTables.has(fileNo)) continue
      this.#obsoleteTables.delete(fileNo)
      this.#tables.get(fileNo)?.close()
      this.#tables.delete(fileNo)
      await this.#o.fs.remove(joinPath(this.#o.dir, tableName(fileNo)))
    }
    for (const fileNo of [...this.#obsoleteVlogs]) {
      if (!this.#obsoleteVlogs.has(fileNo) || liveVlogs.has(fileNo)) continue
      this.#obsoleteVlogs.delete(fileNo)
      this.#vlogs.close(fileNo)
      await this.#o.fs.remove(joinPath(this.#o.dir, vlogName(fileNo)))
    }
  }

  async #compactLoop(): Promise<void> {
    while (!this.#closed && this.#fatal === undefined) {
      const ran = await this.#serial(() => this.#compactOnce())
      if (!ran) return
      this.#wake()
    }
  }

  #serial<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#jobChain.then(job)
    this.#jobChain = result.catch(() => undefined)
    return result
  }

  /** Runs one compaction or value-log GC step; false when there is nothing to do. */
  async #compactOnce(): Promise<boolean> {
    const o = this.#o
    const version = this.#vs.current
    const plan = pickCompaction(
      version,
      {
        style: o.compactionStyle,
        l0Trigger: o.l0CompactionTrigger,
        levelBaseBytes: o.levelBaseBytes,
        sizeRatio: o.sizeRatio,
        levelsMax: limits.lsmLevelsMax,
      },
      this.#compactPointers,
    )
    if (plan !== undefined) {
      await this.#runPlan(version, plan)
      return true
    }
    const dead = [...version.vlogLiveBytes()].filter(([, live]) => live === 0).map(([n]) => n)
    if (dead.length > 0) {
      await this.#install({ deleteVlogs: dead })
      return true
    }
    const victim = jobs.pickVlogVictim(version, o.valueLogGcRatio)
    if (victim === undefined) return false
    const result = await jobs.runVlogGc(this.#jobContext(), version, victim)
    await this.#openFiles(undefined, result.edit)
    await this.#install(result.edit)
    this.counters.vlogGcRuns++
    this.counters.vlogGcBytesWritten += result.bytesWritten
    return true
  }

  async #runPlan(version: Version, plan: CompactionPlan): Promise<void> {
    const snapshots = this.#pins.snapshotSeqs()
    const merge = async (): Promise<jobs.JobResult> => {
      const offer = this.#cache.readSinceLastAsked() // see MergeJob.offerBlocks
      const job = jobs.mergeJobOf(version, plan, snapshots, this.#o.clock.wallMs(), offer)
      return jobs.mergeEdit(plan, await this.#background.merge(job))
    }
    const result = plan.trivialMove ? jobs.trivialMoveEdit(plan) : await merge()
    await this.#openFiles(undefined, result.edit)
    await this.#install(result.edit)
    const first = plan.inputs[0]
    if (first !== undefined && first.level > 0) {
      this.#compactPointers.set(first.level, first.file.largest)
    }
    if (plan.trivialMove) this.counters.trivialMoves++
    else this.counters.compactions++
    this.counters.compactionBytesRead += result.bytesRead
    this.counters.compactionBytesWritten += result.bytesWritten
  }

  /** Flushes, then merges every table into one sorted run on the last used level. */
  async compactAll(): Promise<void> {
    await this.flush()
    await this.#serial(async () => {
      const version = this.#vs.current
      const inputs = version.levels.flatMap((files, level) =>
        files.map((file) => ({ level, file })),
      )
      if (inputs.length === 0) return
      const deepest = Math.max(1, ...inputs.map((i) => i.level))
      const tiered = this.#o.compactionStyle === 'tiered'
      await this.#runPlan(version, {
        outputLevel: tiered ? 0 : deepest,
        inputs,
        trivialMove: false,
        split: !tiered,
        reason: 'manual',
      })
    })
    await this.#serial(async () => {
      while (await this.#compactOnce());
    })
    this.#check()
  }

  /** Starts the worker threads now, not at their first job; resolves once they listen. */
  backgroundReady(): Promise<void> {
    return this.#background.ready()
  }

  /** Resolves when no flush or compaction is running or due. */
  async waitIdle(): Promise<void> {
    while (this.#flushing !== undefined || this.#compacting !== undefined) {
      await Promise.all([this.#flushing, this.#compacting])
    }
    this.#check()
  }

  // ---------------------------------------------------------------- reads

  snapshot(): Snapshot {
    this.#check()
    return this.#pins.snapshot(this.#vs.lastSeq)
  }

  #view(): ReadView {
    return this.#views.current(this.#mem, this.#imm, this.#vs.current)
  }

  /** The answer of a get, left in the db's one PointLookup (read it before the next get). */
  #find(key: Uint8Array, options: ReadOptions): PointLookup | undefined {
    this.#check()
    const snapshot = options.snapshot?.seq ?? this.#vs.lastSeq
    this.counters.gets++
    const blocksBefore = this.#cache.misses
    const q = this.#lookup
    q.start(key, snapshot, options.nowMs, this.#o.retention(key))
    const found = findLatest(this.#view(), q)
    this.counters.getBlocksRead += this.#cache.misses - blocksBefore
    return found && q.kind !== Kind.delete ? q : undefined
  }

  /** The item a read returns (highest timestamp, then version), or undefined. Synchronous. */
  getLatest(key: Uint8Array, options: ReadOptions = NO_READ_OPTIONS): Item | undefined {
    const q = this.#find(key, options)
    const item = q === undefined ? undefined : itemOf(q.entry(), this.#vlogs, this.#slab)
    this.#lookup.finish()
    return item
  }

  getSync(key: Uint8Array, options: ReadOptions = NO_READ_OPTIONS): Uint8Array | undefined {
    const q = this.#find(key, options)
    const value = q === undefined ? undefined : answerValue(q, this.#vlogs, this.#slab)
    this.#lookup.finish()
    return value
  }

  async get(
    key: Uint8Array,
    options: ReadOptions = NO_READ_OPTIONS,
  ): Promise<Uint8Array | undefined> {
    return this.getSync(key, options)
  }

  /**
   * A value as chunks: a chunked value streams from its file (pinned while iterating: start
   * before awaiting anything), any other value is one chunk. Undefined when absent.
   */
  getStream(key: Uint8Array, options = NO_READ_OPTIONS): Iterable<Uint8Array> | undefined {
    const found = this.#find(key, options)?.entry()
    this.#lookup.finish()
    if (found === undefined) return undefined
    if (kindOf(found.ikey) !== Kind.pointer) return [valueOf(found, this.#vlogs, this.#slab)]
    return this.#chunks(decodePointer(found.value, 'entry'))
  }

  *#chunks(pointer: ValuePointer): Generator<Uint8Array> {
    this.#pins.pinVlogs([pointer.fileNo], 1)
    try {
      for (const record of this.#vlogs.records(pointer)) yield record.value
    } finally {
      this.#pins.pinVlogs([pointer.fileNo], -1)
      if (!this.#closed) void this.#collectGarbage().catch((error: unknown) => this.#fail(error))
    }
  }

  async multiGet(
    keys: readonly Uint8Array[],
    options: ReadOptions = {},
  ): Promise<Array<Uint8Array | undefined>> {
    const snapshot = options.snapshot ?? { seq: this.#vs.lastSeq, release: () => undefined }
    return keys.map((key) => this.getLatest(key, { ...options, snapshot })?.value)
  }

  /** Readable versions of a key, newest first (maxVersions and TTL applied). */
  /** Readable versions, newest first; `deleteMarker` adds the deletion that ends them. */
  versions(key: Uint8Array, options: VersionsOptions = {}): Item[] {
    this.#check()
    const snapshot = options.snapshot?.seq ?? this.#vs.lastSeq
    const nowMs = options.nowMs ?? this.#o.clock.wallMs()
    const group = collectKey(this.#view(), key)
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER
    const out: Item[] = []
    for (const i of readableAt(group, snapshot, nowMs, this.#o.retention(key), limit)) {
      const entry = group[i]!
      if (kindOf(entry.ikey) !== Kind.delete) out.push(itemOf(entry, this.#vlogs, this.#slab))
      else if (options.deleteMarker === true) out.push(markerOf(entry, this.#slab))
    }
    return out
  }

  /** Latest items in key order (or reverse) within bounds; pins the version until done. */
  *iterate(options: IterateOptions = {}): Generator<Item> {
    this.#check()
    const snapshot = options.snapshot?.seq ?? this.#vs.lastSeq
    const nowMs = options.nowMs ?? this.#o.clock.wallMs()
    const view = this.#view()
    const version = view.version
    version.refs++
    this.#pinned.add(version)
    const vlogs = view.memtables.flatMap((memtable) => [...memtable.vlogRefs])
    this.#pins.pinVlogs(vlogs, 1)
    let count = 0
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER
    try {
      for (const group of scanGroups(view, options, options.reverse === true)) {
        if (count >= limit) return
        const retention = this.#o.retention(userKeyOf(group[0]!.ikey))
        const [first] = readableAt(group, snapshot, nowMs, retention, 1)
        if (first === undefined || kindOf(group[first]!.ikey) === Kind.delete) continue
        this.#check()
        count++
        yield itemOf(group[first]!, this.#vlogs, this.#slab)
      }
    } finally {
      version.refs--
      if (version.refs === 0) this.#pinned.delete(version)
      this.#pins.pinVlogs(vlogs, -1)
      if (!this.#closed) void this.#collectGarbage().catch((error: unknown) => this.#fail(error))
    }
  }

  scan(options: IterateOptions = {}): Item[] {
    return [...this.iterate(options)]
  }

  // ---------------------------------------------------------------- admin

  stats(): DbStats {
    return computeStats({
      counters: this.counters,
      manifestBytes: this.#vs.manifestBytesWritten,
      cacheHits: this.#cache.hits,
      cacheMisses: this.#cache.misses,
      cacheBytes: this.#cache.usedBytes,
      version: this.#vs.current,
    })
  }

  /**
   * Deep check: level invariants, every table block checksum, every value-log pointer resolves
   * and its record names the same key. Throws a corruption error naming the file.
   */
  checkConsistency(): ConsistencyReport {
    this.#check()
    const view = this.#view()
    return checkConsistency({ dir: this.#o.dir, vlogs: this.#vlogs, ...view })
  }

  /** Names of the files the db uses now (for tests and tools). */
  liveFiles(): string[] {
    const version = this.#vs.current
    return [
      CURRENT,
      manifestName(this.#vs.manifestNo),
      ...[...version.fileNos()].map(tableName),
      ...[...version.vlogs.keys()].map(vlogName),
      ...[...this.#wals.keys()].map(walName),
    ]
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#wake()
    await Promise.allSettled([this.#flushing, this.#compacting, this.#jobChain])
    await this.#background.close()
    if (this.#fatal === undefined && this.#wal !== undefined) {
      await this.#wal.syncTo(this.#wal.sizeBytes).catch(() => undefined)
    }
    for (const memtable of [this.#mem, ...this.#imm]) {
      await memtable.valueLog?.finish().catch(() => undefined)
    }
    this.#closeFiles()
  }

  #closeFiles(): void {
    for (const memtable of [this.#mem, ...this.#imm]) memtable.valueLog?.abandon()
    for (const wal of this.#wals.values()) void wal.retire().catch(() => undefined)
    this.#wals.clear()
    for (const table of this.#tables.values()) table.close()
    this.#tables.clear()
    this.#vlogs.closeAll()
    this.#vs.close()
  }
}
