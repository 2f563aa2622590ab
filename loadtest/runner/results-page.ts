/**
 * The results page: one self-contained HTML file (no scripts, no external libraries) with an
 * inline-SVG percentile curve per run, the way HdrHistogram plots are read: the x axis is
 * 1 / (1 - percentile) on a log scale (50%, 90%, 99%, 99.9%, ... equally spaced), the y axis is
 * latency in milliseconds; and a table of the figures under it.
 */
import type { LatencySummary } from './recorder.ts'
import type { RunReport } from './report.ts'

/** One line of the chart: a legend label and its [percentile, µs] points. */
export interface CurveSeries {
  readonly label: string
  readonly curve: LatencySummary['curve']
}

const width = 760
const height = 420
const margin = { left: 64, right: 24, top: 24, bottom: 48 }
const colors = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
]
/** The x axis runs to 99.999% (five nines). */
const nines = 5

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** x position of a percentile: log10(1 / (1 - p)), 0 at p=0, `nines` at 99.999. */
export function percentileX(percentile: number): number {
  const rest = Math.max(1 - percentile / 100, Math.pow(10, -nines))
  return Math.log10(1 / rest)
}

function niceMax(value: number): number {
  if (value <= 0) return 1
  const magnitude = Math.pow(10, Math.floor(Math.log10(value)))
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude
  }
  return 10 * magnitude
}

/** A y-axis tick: three significant digits, but never exponent notation. */
export function axisLabel(value: number): string {
  return value >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(3)))
}

export function percentileSvg(series: readonly CurveSeries[]): string {
  const plotW = width - margin.left - margin.right
  const plotH = height - margin.top - margin.bottom
  const allMs = series.flatMap((s) => s.curve.map(([, us]) => us / 1_000))
  const maxMs = niceMax(Math.max(0, ...allMs))
  const px = (p: number): number => margin.left + (percentileX(p) / nines) * plotW
  const py = (msValue: number): number => margin.top + plotH - (msValue / maxMs) * plotH
  const parts: string[] = []
  for (let i = 0; i <= nines; i++) {
    const x = margin.left + (i / nines) * plotW
    const label = i === 0 ? '0%' : `${(100 - 100 / Math.pow(10, i)).toFixed(Math.max(0, i - 2))}%`
    parts.push(
      `<line x1="${x}" y1="${margin.top}" x2="${x}" y2="${margin.top + plotH}" ` +
        `stroke="#ddd"/><text x="${x}" y="${height - 28}" text-anchor="middle">${label}</text>`,
    )
  }
  for (let i = 0; i <= 4; i++) {
    const value = (maxMs * i) / 4
    const y = py(value)
    parts.push(
      `<line x1="${margin.left}" y1="${y}" x2="${width - margin.right}" y2="${y}" ` +
        `stroke="#ddd"/><text x="${margin.left - 6}" y="${y + 4}" text-anchor="end">` +
        `${axisLabel(value)}</text>`,
    )
  }
  series.forEach((line, i) => {
    const color = colors[i % colors.length]!
    const points = line.curve
      .map(([p, us]) => `${px(p).toFixed(1)},${py(us / 1_000).toFixed(1)}`)
      .join(' ')
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`)
    const ly = margin.top + 14 + i * 16
    parts.push(
      `<rect x="${margin.left + 10}" y="${ly - 9}" width="12" height="3" ` +
        `fill="${color}"/><text x="${margin.left + 28}" y="${ly}">` +
        `${escapeHtml(line.label)}</text>`,
    )
  })
  parts.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 8}" text-anchor="middle">` +
      'percentile</text>',
    `<text x="14" y="${margin.top + plotH / 2}" text-anchor="middle" ` +
      `transform="rotate(-90 14 ${margin.top + plotH / 2})">latency (ms)</text>`,
  )
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `font-family="sans-serif" font-size="11">${parts.join('')}</svg>`
  )
}

function tableHtml(reports: readonly RunReport[]): string {
  const head = [
    'run',
    'target',
    'rate/s',
    'throughput/s',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'p99.9 ms',
    'max ms',
    'errors',
    'backend reads / client read',
  ]
  const rows = reports.map((r) => {
    const s = r.summary
    const l = s.latency
    const errors = Object.entries(s.errorsByStatus)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')
    const cells = [
      r.label,
      r.target,
      String(r.scenario.ratePerSec),
      s.throughputPerSec.toFixed(1),
      ...[l.p50Us, l.p90Us, l.p99Us, l.p999Us, l.maxUs].map((us) => (us / 1_000).toFixed(2)),
      errors === '' ? 'none' : errors,
      s.backendReadsPerClientRead === null ? 'n/a' : s.backendReadsPerClientRead.toFixed(3),
    ]
    return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`
  })
  return `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table>`
}

export function resultsPage(title: string, reports: readonly RunReport[]): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}' +
    'td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style></head><body>' +
    `<h1>${escapeHtml(title)}</h1>` +
    "<p>Latency measured from each request's scheduled send time (open arrival model).</p>" +
    `${percentileSvg(reports.map((r) => ({ label: r.label, curve: r.summary.latency.curve })))}` +
    `${tableHtml(reports)}</body></html>\n`
  )
}
