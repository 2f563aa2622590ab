/**
 * Pure result handling for the cluster bench's Shoal-versus-etcd comparison: latency
 * percentiles (nearest rank), one measurement's line from its raw latencies, a failover
 * line from the events around the kill, and the ratios against issue 4's targets (puts at
 * concurrency 64 ≥ 2× etcd with p99 ≤ 0.5×, strong gets at 64 ≥ 3× etcd's linearizable
 * reads, failover ≤ 1.5 s, no request waiting past its deadline).
 */

export type SystemName = 'shoal' | 'etcd'
export type LoadOp = 'put' | 'get-strong' | 'get-eventual'

export interface LoadLine {
  readonly system: SystemName
  readonly client: string
  readonly op: LoadOp
  readonly concurrency: number
  readonly ops: number
  readonly opsPerSec: number
  readonly p50Us: number
  readonly p99Us: number
  readonly errors: number
  /** User + system CPU of the system's server processes during the run, per operation. */
  readonly cpuMsPerOp: number
  readonly loadAvg1m: number
}

export interface FailoverLine {
  readonly system: SystemName
  readonly client: string
  readonly op: 'failover'
  readonly concurrency: number
  readonly killed: string
  /** Kill → first acknowledged write sent after the kill (null: none within the give-up). */
  readonly firstWriteAfterKillMs: number | null
  /** Longest wait of a request in flight at the kill, until it answered or failed. */
  readonly longestInFlightWaitMs: number
  readonly deadlineMs: number
  /** Requests (any, during the failover phase) that waited longer than deadline + slack. */
  readonly pastDeadline: number
  readonly failed: number
  readonly loadAvg1m: number
}

/** Timer and scheduling noise we allow past a deadline before calling it missed. */
export const deadlineSlackMs = 100
/** Issue 4's targets, Shoal relative to etcd unless absolute. */
export const targets = {
  putOpsAt64Min: 2,
  putP99At64Max: 0.5,
  strongGetOpsAt64Min: 3,
  failoverMsMax: 1_500,
} as const

/** Nearest-rank percentile of ascending `sorted` (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (!(p > 0 && p <= 1)) throw new Error(`percentile: p must be in (0, 1], got ${p}`)
  if (sorted.length === 0) return 0
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!
}

/** Throughput and percentiles of one closed-loop measurement (latencies in µs, any order). */
export function summarize(
  latenciesUs: number[],
  elapsedMs: number,
): { ops: number; opsPerSec: number; p50Us: number; p99Us: number } {
  if (!(elapsedMs > 0)) throw new Error(`summarize: elapsed must be positive, got ${elapsedMs}`)
  const sorted = Float64Array.from(latenciesUs).sort()
  const list = Array.from(sorted)
  return {
    ops: list.length,
    opsPerSec: Math.round((list.length * 1000) / elapsedMs),
    p50Us: Math.round(percentile(list, 0.5)),
    p99Us: Math.round(percentile(list, 0.99)),
  }
}

/** What the failover loop saw, in ms on one monotonic clock. */
export interface FailoverEvents {
  readonly killedAt: number
  /** Requests of the phase: when each started and ended, and whether it was acknowledged. */
  readonly requests: readonly { start: number; end: number; ok: boolean }[]
  readonly deadlineMs: number
}

export function failoverFigures(e: FailoverEvents): {
  firstWriteAfterKillMs: number | null
  longestInFlightWaitMs: number
  pastDeadline: number
  failed: number
} {
  let firstOk = Infinity
  let longest = 0
  let pastDeadline = 0
  let failed = 0
  for (const r of e.requests) {
    if (r.end < r.start) throw new Error('failover: a request ended before it started')
    if (r.ok && r.start >= e.killedAt) firstOk = Math.min(firstOk, r.end)
    if (r.start < e.killedAt && r.end >= e.killedAt) longest = Math.max(longest, r.end - r.start)
    if (r.end - r.start > e.deadlineMs + deadlineSlackMs) pastDeadline++
    if (!r.ok) failed++
  }
  return {
    firstWriteAfterKillMs: firstOk === Infinity ? null : round2(firstOk - e.killedAt),
    longestInFlightWaitMs: round2(longest),
    pastDeadline,
    failed,
  }
}

function round2(ms: number): number {
  return Math.round(ms * 100) / 100
}

export interface Comparison {
  readonly putOpsRatioAt64: number | null
  readonly putP99RatioAt64: number | null
  readonly strongGetOpsRatioAt64: number | null
  readonly shoalFailoverMs: number | null
  readonly etcdFailoverMs: number | null
  readonly shoalPastDeadline: number | null
  readonly met: {
    readonly puts: boolean
    readonly putP99: boolean
    readonly strongGets: boolean
    readonly failover: boolean
    readonly deadlines: boolean
  }
}

function find(lines: readonly LoadLine[], system: SystemName, op: LoadOp): LoadLine | undefined {
  return lines.find((l) => l.system === system && l.op === op && l.concurrency === 64)
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || b === 0) return null
  return Math.round((a / b) * 100) / 100
}

/** Shoal against etcd at concurrency 64 and the failover targets; null where a side is missing. */
export function compare(
  loads: readonly LoadLine[],
  failovers: readonly FailoverLine[],
): Comparison {
  const sp = find(loads, 'shoal', 'put')
  const ep = find(loads, 'etcd', 'put')
  const sg = find(loads, 'shoal', 'get-strong')
  const eg = find(loads, 'etcd', 'get-strong')
  const sf = failovers.find((f) => f.system === 'shoal')
  const ef = failovers.find((f) => f.system === 'etcd')
  const putOps = ratio(sp?.opsPerSec, ep?.opsPerSec)
  const putP99 = ratio(sp?.p99Us, ep?.p99Us)
  const gets = ratio(sg?.opsPerSec, eg?.opsPerSec)
  const shoalFailover = sf?.firstWriteAfterKillMs ?? null
  return {
    putOpsRatioAt64: putOps,
    putP99RatioAt64: putP99,
    strongGetOpsRatioAt64: gets,
    shoalFailoverMs: shoalFailover,
    etcdFailoverMs: ef?.firstWriteAfterKillMs ?? null,
    shoalPastDeadline: sf?.pastDeadline ?? null,
    met: {
      puts: putOps !== null && putOps >= targets.putOpsAt64Min,
      putP99: putP99 !== null && putP99 <= targets.putP99At64Max,
      strongGets: gets !== null && gets >= targets.strongGetOpsAt64Min,
      failover: shoalFailover !== null && shoalFailover <= targets.failoverMsMax,
      deadlines: sf !== undefined && sf.pastDeadline === 0,
    },
  }
}
