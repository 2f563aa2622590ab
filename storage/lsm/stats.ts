/**
 * Db statistics: counters kept by the db and the ratios operators watch (RocksDB's "write amp",
 * "read amp", "space amp"). Write amplification = bytes the engine wrote (WAL, tables, value
 * log, manifest) / user bytes written. Read amplification = data blocks read from files per
 * point lookup. Space amplification = bytes of all live files / bytes of the last non-empty
 * level plus live value-log bytes (an estimate of the live data).
 */
import type { Version } from './manifest/version.ts'

export class DbCounters {
  userBytesWritten = 0
  userWrites = 0
  walBytes = 0
  walSyncs = 0
  flushes = 0
  flushBytesWritten = 0
  compactions = 0
  trivialMoves = 0
  compactionBytesRead = 0
  compactionBytesWritten = 0
  vlogGcRuns = 0
  vlogGcBytesWritten = 0
  /** Large values appended to value logs at write time. */
  vlogWriteBytes = 0
  stallMs = 0
  stalls = 0
  slowdowns = 0
  gets = 0
  getBlocksRead = 0
}

export interface DbStats {
  readonly userBytesWritten: number
  readonly userWrites: number
  readonly walBytes: number
  readonly walSyncs: number
  readonly flushes: number
  readonly compactions: number
  readonly trivialMoves: number
  readonly compactionBytesRead: number
  readonly compactionBytesWritten: number
  readonly vlogGcRuns: number
  readonly stallMs: number
  readonly stalls: number
  readonly slowdowns: number
  readonly writeAmplification: number
  readonly readAmplification: number
  readonly spaceAmplification: number
  readonly blockCacheHitRatio: number
  readonly blockCacheBytes: number
  readonly filesPerLevel: number[]
  readonly bytesPerLevel: number[]
  readonly vlogFiles: number
  readonly vlogBytes: number
  readonly vlogLiveBytes: number
  readonly vlogWriteBytes: number
  readonly vlogGcBytesWritten: number
  /** Per value-log file in the manifest: size, bytes tables still point to, the rest garbage. */
  readonly vlogFileStats: VlogFileStats[]
}

export interface VlogFileStats {
  readonly fileNo: number
  readonly sizeBytes: number
  readonly liveBytes: number
  readonly garbageBytes: number
}

export interface StatsInputs {
  readonly counters: DbCounters
  readonly manifestBytes: number
  readonly cacheHits: number
  readonly cacheMisses: number
  readonly cacheBytes: number
  readonly version: Version
}

function vlogFileStats(version: Version): VlogFileStats[] {
  const live = version.vlogLiveBytes()
  return [...version.vlogs.values()].map(({ fileNo, sizeBytes }) => {
    const liveBytes = live.get(fileNo) ?? 0
    return { fileNo, sizeBytes, liveBytes, garbageBytes: sizeBytes - liveBytes }
  })
}

export function computeStats(input: StatsInputs): DbStats {
  const c = input.counters
  const version = input.version
  const bytesPerLevel = version.levels.map((_, level) => version.levelBytes(level))
  const vlogFiles = vlogFileStats(version)
  const vlogBytes = vlogFiles.reduce((sum, f) => sum + f.sizeBytes, 0)
  const vlogLiveBytes = vlogFiles.reduce((sum, f) => sum + f.liveBytes, 0)
  const engineBytes =
    c.walBytes +
    c.flushBytesWritten +
    c.compactionBytesWritten +
    c.vlogGcBytesWritten +
    c.vlogWriteBytes +
    input.manifestBytes
  const lastLevelBytes = [...bytesPerLevel].reverse().find((b) => b > 0) ?? 0
  const totalBytes = bytesPerLevel.reduce((a, b) => a + b, 0) + vlogBytes
  const liveBytes = lastLevelBytes + vlogLiveBytes
  const lookups = input.cacheHits + input.cacheMisses
  return {
    userBytesWritten: c.userBytesWritten,
    userWrites: c.userWrites,
    walBytes: c.walBytes,
    walSyncs: c.walSyncs,
    flushes: c.flushes,
    compactions: c.compactions,
    trivialMoves: c.trivialMoves,
    compactionBytesRead: c.compactionBytesRead,
    compactionBytesWritten: c.compactionBytesWritten,
    vlogGcRuns: c.vlogGcRuns,
    stallMs: c.stallMs,
    stalls: c.stalls,
    slowdowns: c.slowdowns,
    writeAmplification: c.userBytesWritten === 0 ? 0 : engineBytes / c.userBytesWritten,
    readAmplification: c.gets === 0 ? 0 : c.getBlocksRead / c.gets,
    spaceAmplification: liveBytes === 0 ? 0 : totalBytes / liveBytes,
    blockCacheHitRatio: lookups === 0 ? 0 : input.cacheHits / lookups,
    blockCacheBytes: input.cacheBytes,
    filesPerLevel: version.levels.map((files) => files.length),
    bytesPerLevel,
    vlogFiles: vlogFiles.length,
    vlogBytes,
    vlogLiveBytes,
    vlogWriteBytes: c.vlogWriteBytes,
    vlogGcBytesWritten: c.vlogGcBytesWritten,
    vlogFileStats: vlogFiles,
  }
}
