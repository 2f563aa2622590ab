/**
 * The collapse bench's results page: one self-contained HTML file (no scripts, no external
 * assets) with, per workload, an inline-SVG percentile curve per system (runner/results-page.ts
 * draws them), the table of figures, the stale-after-ack probe counts and the target verdicts.
 */
import { escapeHtml, percentileSvg, type CurveSeries } from '../runner/results-page.ts'
import type { LatencySummary } from '../runner/recorder.ts'
import type { CeilingLine, CollapseLine, ProbeLine, TargetVerdict } from './collapse-lines.ts'

export interface CollapseRun {
  readonly line: CollapseLine
  readonly curve: LatencySummary['curve']
}

export interface CollapsePageInput {
  readonly title: string
  readonly startedAt: string
  readonly runs: readonly CollapseRun[]
  /** The bare node:http figures of the same run, when measured. */
  readonly ceiling?: CeilingLine
  readonly probes: readonly ProbeLine[]
  readonly targets: readonly TargetVerdict[]
}

const style =
  'body{font-family:sans-serif;margin:2em;max-width:1000px}' +
  'table{border-collapse:collapse;margin:1em 0}' +
  'td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}' +
  '.met{color:#2ca02c}.missed{color:#d62728}'

export function seriesLabel(line: CollapseLine): string {
  return `${line.system} ${line.consistency}`
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
  return `<table><tr>${th}</tr>${trs.join('')}</table>`
}

const ms = (us: number): string => (us / 1_000).toFixed(2)

function chartsHtml(runs: readonly CollapseRun[]): string {
  const workloads = [...new Set(runs.map((r) => r.line.workload))]
  return workloads
    .map((workload) => {
      const series: CurveSeries[] = runs
        .filter((r) => r.line.workload === workload)
        .map((r) => ({ label: seriesLabel(r.line), curve: r.curve }))
      return `<h2>${escapeHtml(workload)}: latency by percentile</h2>${percentileSvg(series)}`
    })
    .join('')
}

function figuresHtml(runs: readonly CollapseRun[]): string {
  const head = [
    'workload',
    'system',
    'consistency',
    'req/s',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'max ms',
    'backend calls / request',
    'server CPU µs / request',
    'errors',
    'Shoal answers by role',
  ]
  const rows = runs.map(({ line }) => {
    const errors = Object.entries(line.errors)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')
    return [
      line.workload,
      line.system,
      line.consistency,
      String(line.reqPerSec),
      ms(line.p50Us),
      ms(line.p99Us),
      ms(line.p999Us),
      ms(line.maxUs),
      line.backendCallsPerRequest.toFixed(3),
      line.serverCpuUsPerRequest === null ? 'n/a' : String(line.serverCpuUsPerRequest),
      errors === '' ? 'none' : errors,
      line.readRoles === null
        ? ''
        : Object.entries(line.readRoles)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
    ]
  })
  return table(head, rows)
}

function probesHtml(probes: readonly ProbeLine[]): string {
  const head = [
    'system',
    'consistency',
    'reads after ack',
    'fresh',
    'stale',
    'invalid',
    'max writes behind',
  ]
  const rows = probes.map((p) => [
    p.system,
    p.consistency,
    String(p.reads),
    String(p.fresh),
    String(p.stale),
    String(p.invalid),
    String(p.maxVersionsBehind),
  ])
  return table(head, rows)
}

function targetsHtml(targets: readonly TargetVerdict[]): string {
  const rows = targets.map((t) => {
    const verdict = t.met === null ? 'n/a' : t.met ? 'met' : 'missed'
    const cls = t.met === null ? '' : ` class="${t.met ? 'met' : 'missed'}"`
    return (
      `<tr><td>${escapeHtml(t.target)}</td><td>${t.value ?? 'n/a'}</td>` +
      `<td>${escapeHtml(t.bound)}</td><td${cls}>${verdict}</td></tr>`
    )
  })
  return (
    '<table><tr><th>target</th><th>value</th><th>bound</th><th>verdict</th></tr>' +
    `${rows.join('')}</table>`
  )
}

function ceilingHtml(ceiling: CeilingLine | undefined): string {
  if (ceiling === undefined) return ''
  return (
    `<p>Ceiling of one Node process in the same run (a bare node:http hello-world, same ` +
    `load generator): ${ceiling.reqPerSec} req/s, p50 ${ms(ceiling.p50Us)} ms, ` +
    `p99 ${ms(ceiling.p99Us)} ms, p99.9 ${ms(ceiling.p999Us)} ms` +
    (ceiling.serverCpuUsPerRequest === null
      ? '.</p>'
      : `, ${ceiling.serverCpuUsPerRequest} µs of server CPU per request.</p>`)
  )
}

export function collapsePage(input: CollapsePageInput): string {
  const first = input.runs[0]?.line
  const load =
    first === undefined ? 'n/a' : `${first.loadAverage.join(' ')} on ${first.cores} cores`
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<title>${escapeHtml(input.title)}</title><style>${style}</style></head><body>` +
    `<h1>${escapeHtml(input.title)}</h1>` +
    `<p>Run started ${escapeHtml(input.startedAt)}; load average at the start ` +
    `${escapeHtml(load)} (the cores are shared, so absolute figures are low bounds). ` +
    `${first?.clients ?? 'n/a'} keep-alive connections, closed loop (each waits for its ` +
    'answer): latency is service time under that load.</p>' +
    chartsHtml(input.runs) +
    `<h2>Figures</h2>${figuresHtml(input.runs)}` +
    ceilingHtml(input.ceiling) +
    '<h2>Stale reads after an acknowledged write</h2>' +
    '<p>Each round writes a new value through the Shoal gateway, waits for the ' +
    'acknowledgement, then reads through the system.</p>' +
    probesHtml(input.probes) +
    `<h2>Targets (issue 9)</h2>${targetsHtml(input.targets)}</body></html>\n`
  )
}
