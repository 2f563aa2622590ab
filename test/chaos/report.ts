/**
 * The chaos run report: counts of ops by function and outcome, acknowledged writes, faults by
 * kind, the linearizability verdict, lost acknowledged writes, availability during faults, and
 * replica convergence; plus a readable summary. A run passes only with a `linearizable` verdict
 * (`unknown` fails), no lost write, and converged replicas.
 *
 * Lost acknowledged write: an acknowledged put/cas W on key k such that every other write to k
 * that may have taken effect (ok or unknown) completed before W was invoked — so W must be the
 * last write — yet the final read of k after healing does not return W's value.
 */
import type { CheckResult } from '../lincheck/check-history.ts'
import type { Operation, Value } from '../lincheck/operation.ts'
import type { FaultRecord } from './nemesis.ts'

export interface FinalRead {
  readonly key: string
  readonly value: Value
}

export interface ChaosReport {
  readonly seed: number
  readonly durationMs: number
  readonly ops: Record<string, Record<string, number>>
  readonly okOps: number
  readonly acknowledgedWrites: number
  readonly faults: Record<string, number>
  readonly faultsInjected: number
  readonly verdict: CheckResult['verdict']
  readonly violations: string[]
  readonly checkMs: number
  readonly lostWrites: string[]
  readonly finalReads: number
  readonly availabilityDuringFaults: number
  readonly availabilityOutsideFaults: number
  readonly converged: boolean
  readonly convergenceDetail: string
  /** Anti-vacuity: a write after healing succeeded and read back. */
  readonly finalWriteOk: boolean
  readonly faultLog: readonly string[]
  readonly historyPath: string
  /** The expanded run options (fault kinds, workload shape, gateways, planted bug, ...). */
  readonly options: Record<string, unknown>
  readonly passed: boolean
}

export interface ReportInput {
  readonly seed: number
  readonly durationMs: number
  readonly ops: readonly Operation[]
  readonly acknowledged: Map<string, Set<string>>
  readonly faults: readonly FaultRecord[]
  readonly check: CheckResult
  readonly finals: readonly FinalRead[]
  readonly converged: boolean
  readonly convergenceDetail: string
  readonly finalWriteOk: boolean
  readonly historyPath: string
  readonly options: Record<string, unknown>
}

export function buildReport(input: ReportInput): ChaosReport {
  const ops: Record<string, Record<string, number>> = {}
  for (const op of input.ops) {
    const row = (ops[op.f] ??= {})
    row[op.outcome] = (row[op.outcome] ?? 0) + 1
  }
  const faults: Record<string, number> = {}
  for (const fault of input.faults) faults[fault.kind] = (faults[fault.kind] ?? 0) + 1
  let acknowledgedWrites = 0
  for (const set of input.acknowledged.values()) acknowledgedWrites += set.size
  const lostWrites = findLostWrites(input.ops, input.finals)
  const [during, outside] = availability(input.ops, input.faults)
  const violations = input.check.violations.map((v) => JSON.stringify(v).slice(0, 2_000))
  const passed =
    input.check.verdict === 'linearizable' &&
    lostWrites.length === 0 &&
    input.converged &&
    input.finalWriteOk
  return {
    seed: input.seed,
    durationMs: input.durationMs,
    ops,
    okOps: input.ops.filter((op) => op.outcome === 'ok').length,
    acknowledgedWrites,
    faults,
    faultsInjected: input.faults.length,
    verdict: input.check.verdict,
    violations,
    checkMs: Math.round(input.check.elapsedMs),
    lostWrites,
    finalReads: input.finals.length,
    availabilityDuringFaults: during,
    availabilityOutsideFaults: outside,
    converged: input.converged,
    convergenceDetail: input.converged ? '' : input.convergenceDetail,
    finalWriteOk: input.finalWriteOk,
    faultLog: input.faults.map(
      (f) =>
        `${Math.round(f.startMs)}-${Math.round(f.endMs)} ms ` + `${f.kind} ${f.node}: ${f.detail}`,
    ),
    historyPath: input.historyPath,
    options: input.options,
    passed,
  }
}

function isWrite(op: Operation): boolean {
  return op.f !== 'get' && op.outcome !== 'fail'
}

export function findLostWrites(ops: readonly Operation[], finals: readonly FinalRead[]): string[] {
  const lost: string[] = []
  for (const final of finals) {
    const writes = ops.filter((op) => op.key.endsWith(`/${final.key}`) && isWrite(op))
    for (const w of writes) {
      if (w.outcome !== 'ok' || w.f === 'delete') continue
      const last = writes.every((o) => o === w || o.returnMs < w.callMs)
      if (last && final.value !== w.value) {
        lost.push(
          `${final.key}: acknowledged ${String(w.value)} was the last write; ` +
            `final read ${String(final.value)}`,
        )
      }
    }
  }
  return lost
}

/** Share of calls that got a definite answer, during faults and outside them. */
function availability(ops: readonly Operation[], faults: readonly FaultRecord[]): [number, number] {
  let inOk = 0,
    inAll = 0,
    outOk = 0,
    outAll = 0
  for (const op of ops) {
    if (op.process.startsWith('final.')) continue
    const end = Number.isFinite(op.returnMs) ? op.returnMs : op.callMs
    const overlaps = faults.some((f) => op.callMs <= f.endMs && end >= f.startMs)
    const answered = op.outcome !== 'unknown' ? 1 : 0
    if (overlaps) {
      inAll++
      inOk += answered
    } else {
      outAll++
      outOk += answered
    }
  }
  const share = (ok: number, all: number): number => (all === 0 ? 1 : ok / all)
  return [share(inOk, inAll), share(outOk, outAll)]
}

export function summarize(r: ChaosReport): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
  const lines = [
    `chaos run seed ${r.seed}, ${r.durationMs} ms: ${r.passed ? 'PASSED' : 'FAILED'}`,
    `ops: ${Object.entries(r.ops)
      .map(([f, o]) => `${f} ${JSON.stringify(o)}`)
      .join('; ')}`,
    `ok ops ${r.okOps}, acknowledged writes ${r.acknowledgedWrites}`,
    `faults ${r.faultsInjected}: ${JSON.stringify(r.faults)}`,
    `linearizability: ${r.verdict} (${r.checkMs} ms), violations ${r.violations.length}`,
    `lost acknowledged writes: ${r.lostWrites.length}; final reads ${r.finalReads}`,
    `availability: during faults ${pct(r.availabilityDuringFaults)}, ` +
      `outside ${pct(r.availabilityOutsideFaults)}`,
    `replicas converged: ${r.converged}; write after healing ok: ${r.finalWriteOk}`,
    `history: ${r.historyPath}`,
  ]
  if (!r.passed) {
    lines.push(
      `reproduce: npx tsx test/chaos/run-chaos.ts --seed ${r.seed} ` +
        `--duration ${r.durationMs}ms; recheck: npm run lincheck -- ${r.historyPath}`,
    )
    for (const v of r.violations.slice(0, 3)) lines.push(`violation: ${v}`)
    for (const l of r.lostWrites.slice(0, 5)) lines.push(`lost: ${l}`)
    if (!r.converged) lines.push(`divergence: ${r.convergenceDetail.slice(0, 1_000)}`)
  }
  return lines.join('\n')
}
