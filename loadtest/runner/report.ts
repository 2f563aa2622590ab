/**
 * How a run is shown: a fixed-width text table for the terminal, one JSON object for tools,
 * and (results-page.ts) an HTML page with the percentile curves.
 */
import type { Scenario } from '../scenarios/scenario.ts'
import type { LatencySummary, RunSummary } from './recorder.ts'

export interface RunReport {
  readonly scenario: Scenario
  readonly target: string
  /** Label for the chart legend (scenario name unless a bench says otherwise). */
  readonly label: string
  readonly startedAt: string
  readonly summary: RunSummary
}

function ms(us: number): string {
  return (us / 1_000).toFixed(us < 10_000 ? 2 : 1)
}

function row(name: string, latency: LatencySummary): string {
  const cells = [latency.p50Us, latency.p90Us, latency.p99Us, latency.p999Us, latency.maxUs]
  return [name.padEnd(10), String(latency.count).padStart(9),
    ...cells.map((us) => ms(us).padStart(9))].join(' ')
}

export function formatTable(report: RunReport): string {
  const s = report.summary
  const scenario = report.scenario
  const lines = [
    `scenario ${scenario.name} against ${report.target}: ${scenario.ratePerSec}/s for ` +
      `${scenario.durationSec} s, ${scenario.consistency}`,
    `${'op'.padEnd(10)} ${'count'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p90 ms'.padStart(9)}` +
      ` ${'p99 ms'.padStart(9)} ${'p99.9 ms'.padStart(9)} ${'max ms'.padStart(9)}`,
    row('all', s.latency),
  ]
  for (const [kind, latency] of Object.entries(s.byKind)) lines.push(row(kind, latency))
  const errors = Object.entries(s.errorsByStatus)
    .map(([label, count]) => `${label}=${count}`)
    .join(' ')
  const backend = s.backendReadsPerClientRead
  lines.push(
    `throughput ${s.throughputPerSec.toFixed(1)}/s (scheduled ${s.scheduled}, completed ` +
      `${s.completed}, ok ${s.ok}, dropped ${s.dropped})`,
    `errors ${errors === '' ? 'none' : errors} (rate ${(s.errorRate * 100).toFixed(2)}%)`,
    `reads: roles ${JSON.stringify(s.readRoles)}, not found ${s.notFoundReads}; backend reads ` +
      `per client read ${backend === null ? 'n/a' : backend.toFixed(3)}` +
      (s.casConflicts > 0 ? `; CAS conflicts (412) ${s.casConflicts}` : ''),
    `thresholds: p99 ${ms(s.latency.p99Us)} ms vs ${scenario.thresholds.p99Ms} ms, ` +
      `error rate vs ${scenario.thresholds.errorRate}: ${passes(report) ? 'PASS' : 'FAIL'}`,
  )
  return lines.join('\n') + '\n'
}

/** The scenario's own thresholds (the ones the k6 scripts declare). */
export function passes(report: RunReport): boolean {
  const { summary, scenario } = report
  return summary.latency.p99Us <= scenario.thresholds.p99Ms * 1_000 &&
    summary.errorRate <= scenario.thresholds.errorRate
}

/** One JSON object per run; curves left out (they are on the results page). */
export function reportJson(report: RunReport): string {
  const latency = withoutCurve(report.summary.latency)
  const byKind = Object.fromEntries(
    Object.entries(report.summary.byKind).map(([kind, l]) => [kind, withoutCurve(l)]),
  )
  return JSON.stringify({
    scenario: report.scenario.name,
    target: report.target,
    startedAt: report.startedAt,
    ratePerSec: report.scenario.ratePerSec,
    durationSec: report.scenario.durationSec,
    consistency: report.scenario.consistency,
    ...report.summary,
    latency,
    byKind,
    thresholdsPassed: passes(report),
  })
}

function withoutCurve(l: LatencySummary): Omit<LatencySummary, 'curve'> {
  return { count: l.count, p50Us: l.p50Us, p90Us: l.p90Us, p99Us: l.p99Us, p999Us: l.p999Us,
    maxUs: l.maxUs, meanUs: l.meanUs }
}
