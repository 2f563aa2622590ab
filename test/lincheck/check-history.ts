/**
 * checkHistory: is a history of register operations linearizable? The library entry point for
 * the CLI, the simulator and the real-process fault harness.
 *
 * The store is a map of independent registers, so a history is linearizable iff each key's
 * sub-history is (Herlihy & Wing's locality; Porcupine's P-compositionality). Each partition
 * runs the unique-value pre-pass (prepass.ts), then the Wing–Gong–Lowe search (wgl.ts) under its
 * own time budget, inside an overall one; a budget running out gives `unknown`, which callers
 * must never count as a pass. The first illegal partition stops the check (unless
 * `allPartitions`), and is searched a second time to record its deepest partial linearization,
 * so the common (linearizable) case pays nothing for the report.
 */
import { ShoalError } from '../../shared/errors.ts'
import { MiB } from '../../shared/limits.ts'
import { isCheckable, validateOperation, type Operation, type Value } from './operation.ts'
import { prepassUniqueValues } from './prepass.ts'
import { CompiledOps, ValueTable } from './register-model.ts'
import { unobservedValues } from './unobserved-values.ts'
import { violationFromPrepass, violationFromSearch, type PartitionView } from './violation.ts'
import type { Violation } from './violation.ts'
import { searchPartition, type SearchResult } from './wgl.ts'

/** TESTING.md (b): CI histories check in under 2 s; a partition gets 30 s before `unknown`. */
export const partitionTimeoutMsDefault = 30_000
/** The whole history: generous, since `unknown` fails a CI run anyway. */
export const timeoutMsDefault = 120_000
/** Memo cache bound per partition: a hard partition gives `unknown` rather than exhaust RAM. */
export const cacheBytesMaxDefault = 512 * MiB
export const zobristSeedDefault = 0x5eed

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown'

export interface CheckOptions {
  /** The register's value before the history (null: absent; Porcupine's kv model uses ""). */
  readonly initialValue?: Value
  readonly timeoutMs?: number
  readonly partitionTimeoutMs?: number
  readonly cacheBytesMax?: number
  /** Monotonic milliseconds, for the budgets only; defaults to performance.now. */
  readonly nowMs?: () => number
  readonly zobristSeed?: number
  /** Keep checking after the first illegal partition and report every violation. */
  readonly allPartitions?: boolean
  /** Run the unique-value pre-pass (default true). */
  readonly prepass?: boolean
}

export interface PartitionReport {
  readonly key: string
  readonly ops: number
  readonly verdict: Verdict
  readonly gaveUp: 'deadline' | 'memory' | null
  readonly steps: number
  readonly cacheEntries: number
  readonly elapsedMs: number
}

export interface CheckResult {
  readonly verdict: Verdict
  readonly partitions: readonly PartitionReport[]
  readonly violations: readonly Violation[]
  readonly opsChecked: number
  /** Ops that carry nothing to check: failed non-cas writes and reads with unknown outcome. */
  readonly opsDropped: number
  readonly elapsedMs: number
}

interface Budget {
  readonly nowMs: () => number
  readonly deadlineMs: number
  readonly partitionTimeoutMs: number
  readonly cacheBytesMax: number
  readonly zobristSeed: number
  readonly prepass: boolean
  readonly initialValue: Value
}

export function checkHistory(ops: readonly Operation[], options: CheckOptions = {}): CheckResult {
  const nowMs = options.nowMs ?? ((): number => performance.now())
  const startMs = nowMs()
  const budget = budgetOf(options, nowMs, startMs)
  const ids = new Set<number>()
  for (const op of ops) {
    validateOperation(op)
    if (ids.has(op.id)) throw new ShoalError('bad-request', `op id ${op.id} is used twice`)
    ids.add(op.id)
  }
  const kept = ops.filter(isCheckable)
  const partitions: PartitionReport[] = []
  const violations: Violation[] = []
  for (const [key, keyOps] of partitionByKey(kept)) {
    const { report, violation } = checkPartition(key, keyOps, budget)
    partitions.push(report)
    if (violation !== null) violations.push(violation)
    if (violation !== null && options.allPartitions !== true) break
  }
  let verdict: Verdict = 'linearizable'
  if (partitions.some((p) => p.verdict === 'unknown')) verdict = 'unknown'
  if (violations.length > 0) verdict = 'not-linearizable'
  const elapsedMs = nowMs() - startMs
  const dropped = ops.length - kept.length
  return {
    verdict,
    partitions,
    violations,
    opsChecked: kept.length,
    opsDropped: dropped,
    elapsedMs,
  }
}

function budgetOf(options: CheckOptions, nowMs: () => number, startMs: number): Budget {
  const timeoutMs = options.timeoutMs ?? timeoutMsDefault
  const partitionTimeoutMs = options.partitionTimeoutMs ?? partitionTimeoutMsDefault
  const cacheBytesMax = options.cacheBytesMax ?? cacheBytesMaxDefault
  for (const [name, value] of [
    ['timeoutMs', timeoutMs],
    ['partitionTimeoutMs', partitionTimeoutMs],
    ['cacheBytesMax', cacheBytesMax],
  ] as const) {
    if (!(value > 0)) throw new ShoalError('bad-request', `${name} must be positive`)
  }
  return {
    nowMs,
    deadlineMs: startMs + timeoutMs,
    partitionTimeoutMs,
    cacheBytesMax,
    zobristSeed: options.zobristSeed ?? zobristSeedDefault,
    prepass: options.prepass ?? true,
    initialValue: options.initialValue ?? null,
  }
}

/** Groups ops by key (sorted, so reports are stable), each group in input order. */
function partitionByKey(ops: readonly Operation[]): Array<[string, Operation[]]> {
  const groups = new Map<string, Operation[]>()
  for (const op of ops) {
    const group = groups.get(op.key)
    if (group === undefined) groups.set(op.key, [op])
    else group.push(op)
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

interface PartitionOutcome {
  readonly report: PartitionReport
  readonly violation: Violation | null
}

function checkPartition(key: string, ops: Operation[], budget: Budget): PartitionOutcome {
  const startMs = budget.nowMs()
  const table = new ValueTable(unobservedValues(ops, budget.initialValue))
  const initialState = table.intern(budget.initialValue)
  const compiled = new CompiledOps(ops, table)
  let returnTimes = ops.map((op) => (op.outcome === 'unknown' ? Infinity : op.returnMs))
  const view = (): PartitionView => ({ key, ops, returnTimes, initialValue: budget.initialValue })
  const report = (verdict: Verdict, search: SearchResult | null): PartitionReport => ({
    key,
    ops: ops.length,
    verdict,
    gaveUp: search?.gaveUp ?? null,
    steps: search?.steps ?? 0,
    cacheEntries: search?.cacheEntries ?? 0,
    elapsedMs: budget.nowMs() - startMs,
  })
  if (budget.prepass) {
    const pre = prepassUniqueValues(ops, returnTimes, budget.initialValue)
    if (pre.kind === 'violation') {
      const violation = violationFromPrepass(view(), pre.reason, pre.ops)
      return { report: report('not-linearizable', null), violation }
    }
    returnTimes = pre.returnTimes
  }
  const search = (trackLongest: boolean): SearchResult =>
    searchPartition({
      ops: compiled,
      callTimes: ops.map((op) => op.callMs),
      returnTimes,
      initialState,
      zobristSeed: budget.zobristSeed,
      cacheBytesMax: budget.cacheBytesMax,
      deadlineMs: Math.min(budget.deadlineMs, budget.nowMs() + budget.partitionTimeoutMs),
      nowMs: budget.nowMs,
      trackLongest,
    })
  const first = search(false)
  if (first.verdict !== 'not-linearizable')
    return { report: report(first.verdict, first), violation: null }
  const second = search(true)
  const violation = violationFromSearch(view(), second.longest ?? [])
  return { report: report('not-linearizable', first), violation }
}
