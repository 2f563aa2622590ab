/**
 * DbOptions: everything a db takes from outside (file system, clock, randomness) and its
 * tuning knobs, with defaults from shared/limits.ts. `resolveOptions` checks them once.
 */
import { totalmem } from 'node:os'
import { ShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import { SilentLogger, type Logger } from '../../shared/log.ts'
import { SeededPrng, type Prng } from '../../shared/random/prng.ts'
import { SystemClock, SystemTimers, type Clock, type Timers } from '../../shared/time/clock.ts'
import type { FileSystem } from '../vfs/vfs.ts'
import { NodeFileSystem } from '../vfs/node-fs.ts'
import { keepLatestOnly, type PortableRetention, type RetentionFn } from './retention.ts'

/**
 * Deliberate durability bugs, for the crash tests' "can they fail?" checks only. Production
 * code never sets this; each one breaks a rule that a crash test must catch.
 */
export type LsmPlantedBug =
  | 'wal-skip-mid-log-corruption' // WAL replay skips a bad record before the tail, silently
  | 'no-dir-fsync-after-rename' // CURRENT is renamed into place without fsyncing the directory

export interface DbOptions {
  readonly fs: FileSystem
  readonly dir: string
  /** Write-ahead log on (default). Off: the caller owns durability and calls flush(). */
  readonly wal?: boolean
  readonly clock?: Clock
  readonly timers?: Timers
  readonly prng?: Prng
  readonly logger?: Logger
  readonly memtableBytes?: number
  readonly blockBytes?: number
  readonly bloomBitsPerKey?: number
  /** Decoded-block read cache budget; default 1/16 of RAM within 64 MiB..1 GiB. */
  readonly blockCacheBytes?: number
  readonly targetFileBytes?: number
  readonly levelBaseBytes?: number
  readonly sizeRatio?: number
  readonly compactionStyle?: 'leveled' | 'tiered'
  readonly l0CompactionTrigger?: number
  readonly l0SlowdownTrigger?: number
  readonly l0StopTrigger?: number
  /** Values at or above this many bytes go to the value log when written. */
  readonly valueLogThresholdBytes?: number
  /** The active memtable rotates when its value log reaches this size (GC granularity). */
  readonly valueLogFileBytes?: number
  /** A value-log file whose garbage share reaches this is collected. */
  readonly valueLogGcRatio?: number
  /** Per-key retention (maxVersions, table TTL); default keeps the latest version only. */
  readonly retention?: RetentionFn
  /** `retention` in a form a compaction worker can rebuild; needed for workers with `retention`. */
  readonly portableRetention?: PortableRetention
  /**
   * Flushes and merging compactions on two worker threads (their own cores and heaps; needs
   * the node file system), else on the db's thread. Default: on whenever they can run.
   */
  readonly backgroundWorkers?: boolean
  /**
   * Linux nice value (0-19) of the background worker threads (Linux keeps one per thread), like
   * RocksDB's LowerThreadPoolCPUPriority: on a busy machine the threads serving requests then
   * run first and flushes and compactions take the slack. Default 0 (no change); elsewhere than
   * Linux it is ignored, since there it would apply to the whole process.
   */
  readonly backgroundNice?: number
  /** A manifest past this size is rewritten as a snapshot and CURRENT switched to it. */
  readonly manifestBytesMax?: number
  /** Background flush and compaction (default on); off for tests that drive them by hand. */
  readonly autoCompaction?: boolean
  /** Test only: plant one durability bug (see LsmPlantedBug). */
  readonly plantedBug?: LsmPlantedBug
}

export type ResolvedOptions = Required<
  Omit<DbOptions, 'prng' | 'plantedBug' | 'portableRetention'>
> & {
  prng: Prng
  portableRetention: PortableRetention | undefined
  plantedBug: LsmPlantedBug | undefined
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ShoalError('bad-request', `option ${name} must be positive, got ${value}`)
  }
  return value
}

/**
 * LevelDB and LMDB read through the OS page cache; this engine's read cache holds decoded
 * blocks (a miss costs a pread plus a decode, ~5x a hit), so like a database server's buffer
 * pool its default takes a share of the machine: 1/16 of RAM, between 64 MiB and 1 GiB. Only
 * speed depends on it, never a result. Set `blockCacheBytes` to size it explicitly.
 */
function defaultBlockCacheBytes(): number {
  const share = Math.floor(totalmem() / 16)
  return Math.min(
    limits.lsmBlockCacheBytesDefaultMax,
    Math.max(limits.lsmBlockCacheBytesDefault, share),
  )
}

function backgroundWorkersOf(options: DbOptions): boolean {
  const onDisk = options.fs instanceof NodeFileSystem
  const portable = options.retention === undefined || options.portableRetention !== undefined
  if (options.backgroundWorkers === true) {
    if (!onDisk) throw new ShoalError('bad-request', 'background workers need the node file system')
    if (!portable) throw new ShoalError('bad-request', 'background workers need portableRetention')
  }
  return options.backgroundWorkers ?? (onDisk && portable)
}

export function resolveOptions(options: DbOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    fs: options.fs,
    dir: options.dir,
    wal: options.wal ?? true,
    clock: options.clock ?? new SystemClock(),
    timers: options.timers ?? new SystemTimers(),
    prng: options.prng ?? new SeededPrng(0x15a),
    logger: options.logger ?? new SilentLogger(),
    memtableBytes: options.memtableBytes ?? limits.lsmMemtableBytesDefault,
    blockBytes: options.blockBytes ?? limits.lsmBlockBytesDefault,
    bloomBitsPerKey: options.bloomBitsPerKey ?? 10,
    blockCacheBytes: options.blockCacheBytes ?? defaultBlockCacheBytes(),
    targetFileBytes: options.targetFileBytes ?? limits.lsmTargetFileBytesDefault,
    levelBaseBytes: options.levelBaseBytes ?? limits.lsmLevelBaseBytesDefault,
    sizeRatio: options.sizeRatio ?? 10,
    compactionStyle: options.compactionStyle ?? 'leveled',
    l0CompactionTrigger: options.l0CompactionTrigger ?? 4,
    l0SlowdownTrigger: options.l0SlowdownTrigger ?? 12,
    l0StopTrigger: options.l0StopTrigger ?? 20,
    valueLogThresholdBytes: options.valueLogThresholdBytes ?? limits.valueInlineBytesMax,
    valueLogFileBytes: options.valueLogFileBytes ?? limits.lsmValueLogFileBytesDefault,
    valueLogGcRatio: options.valueLogGcRatio ?? 0.5,
    retention: options.retention ?? keepLatestOnly,
    portableRetention: options.portableRetention,
    backgroundWorkers: backgroundWorkersOf(options),
    backgroundNice: options.backgroundNice ?? 0,
    manifestBytesMax: options.manifestBytesMax ?? limits.lsmManifestBytesMax,
    autoCompaction: options.autoCompaction ?? true,
    plantedBug: options.plantedBug,
  }
  for (const name of [
    'memtableBytes',
    'blockBytes',
    'bloomBitsPerKey',
    'targetFileBytes',
  ] as const) {
    positive(name, resolved[name])
  }
  const nice = resolved.backgroundNice
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) {
    throw new ShoalError('bad-request',
      `option backgroundNice must be an integer 0-19, got ${nice}`)
  }
  positive('levelBaseBytes', resolved.levelBaseBytes)
  positive('manifestBytesMax', resolved.manifestBytesMax)
  positive('valueLogFileBytes', resolved.valueLogFileBytes)
  positive('sizeRatio', resolved.sizeRatio)
  positive('l0CompactionTrigger', resolved.l0CompactionTrigger)
  if (
    resolved.l0SlowdownTrigger < resolved.l0CompactionTrigger ||
    resolved.l0StopTrigger < resolved.l0SlowdownTrigger
  ) {
    throw new ShoalError('bad-request', 'need l0CompactionTrigger <= slowdown <= stop')
  }
  return resolved
}
