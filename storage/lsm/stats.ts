/**
 * Db statistics: counters kept by the db and the ratios operators watch (RocksDB's "write amp",
 * "read amp", "space amp"). Write amplification = bytes the engine wrote (WAL, tables, value
 * log, manifest) / user bytes written. Read amplification = data blocks read from files per
 * point lookup. Space amplification = bytes of all live files / bytes of the last non-empty
 * level plus live value-log bytes (an estimate of the live data).
 */
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
}

export interface StatsInputs {
  readonly counters: DbCounters
  readonly manifestBytes: number
  readonly cacheHits: number
  readonly cacheMisses: number
  readonly cacheBytes: number
  readonly filesPerLevel: number[]
  readonly bytesPerLevel: number[]
  readonly vlogBytes: number
  readonly vlogLiveBytes: number
  readonly vlogFiles: number
}

export function computeStats(input: StatsInputs): DbStats {
  const c = input.counters
  const engineBytes =
    c.walBytes +
    c.flushBytesWritten +
    c.compactionBytesWritten +
    c.vlogGcBytesWritten +
    input.manifestBytes
  const lastLevelBytes = [...input.bytesPerLevel].reverse().find((b) => b > 0) ?? 0
  const totalBytes = input.bytesPerLevel.reduce((a, b) => a + b, 0) + input.vlogBytes
  const liveBytes = lastLevelBytes + input.vlogLiveBytes
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
    filesPerLevel: input.filesPerLevel,
    bytesPerLevel: input.bytesPerLevel,
    vlogFiles: input.vlogFiles,
    vlogBytes: input.vlogBytes,
    vlogLiveBytes: input.vlogLiveBytes,
  }
}
