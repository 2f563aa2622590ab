/**
 * Prometheus text exposition format 0.0.4: the one renderer both processes use (the gateway's
 * /metrics and, when wired, every storage node's). Metrics code builds plain MetricFamily
 * values from the cores' `stats` objects (STYLE.md R18) and calls `renderPrometheusText`; no
 * metrics library, no registry, no global state.
 *
 * Format, per family (names and label names checked against the format's grammar):
 *
 *   # HELP <name> <help, with \ and newline escaped>
 *   # TYPE <name> counter|gauge|histogram
 *   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
 *
 * A histogram renders, per label set, cumulative `<name>_bucket{...,le="<bound>"}` lines ending
 * with le="+Inf", then `<name>_sum` and `<name>_count` (the +Inf bucket equals the count).
 * Values are decimal; NaN and the infinities render as NaN, +Inf and -Inf.
 */
import { assert } from '../assert.ts'

export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8'

export type Labels = Readonly<Record<string, string>>

export interface ScalarSample {
  readonly labels: Labels
  readonly value: number
}

export interface HistogramSample {
  readonly labels: Labels
  /** Upper bounds of the finite buckets, strictly increasing. */
  readonly bounds: readonly number[]
  /** Per-bucket (not cumulative) counts: bounds.length finite buckets, then the +Inf bucket. */
  readonly counts: readonly number[]
  readonly sum: number
}

export type MetricFamily =
  | {
      readonly type: 'counter' | 'gauge'
      readonly name: string
      readonly help: string
      readonly samples: readonly ScalarSample[]
    }
  | {
      readonly type: 'histogram'
      readonly name: string
      readonly help: string
      readonly samples: readonly HistogramSample[]
    }

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function renderLabels(labels: Labels, extra?: readonly [string, string]): string {
  const parts: string[] = []
  for (const [name, value] of Object.entries(labels)) {
    assert(labelNamePattern.test(name) && !name.startsWith('__'), `bad label name ${name}`)
    parts.push(`${name}="${escapeLabelValue(value)}"`)
  }
  if (extra !== undefined) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

function renderHistogram(name: string, sample: HistogramSample, out: string[]): void {
  assert(sample.counts.length === sample.bounds.length + 1, `${name}: counts per bucket + Inf`)
  let cumulative = 0
  for (let i = 0; i < sample.counts.length; i++) {
    const bound = sample.bounds[i]
    if (bound !== undefined && i > 0) {
      assert(bound > (sample.bounds[i - 1] ?? -Infinity), `${name}: bounds must increase`)
    }
    cumulative += sample.counts[i] ?? 0
    const le = bound === undefined ? '+Inf' : formatValue(bound)
    out.push(`${name}_bucket${renderLabels(sample.labels, ['le', le])} ${cumulative}`)
  }
  const labels = renderLabels(sample.labels)
  out.push(`${name}_sum${labels} ${formatValue(sample.sum)}`)
  out.push(`${name}_count${labels} ${cumulative}`)
}

/** The exposition text for `families`; each family name must be unique. */
export function renderPrometheusText(families: readonly MetricFamily[]): string {
  const out: string[] = []
  const seen = new Set<string>()
  for (const family of families) {
    assert(metricNamePattern.test(family.name), `bad metric name ${family.name}`)
    assert(!seen.has(family.name), `metric ${family.name} rendered twice`)
    seen.add(family.name)
    if (family.type === 'counter') {
      assert(family.name.endsWith('_total'), `counter ${family.name} must end in _total`)
    }
    out.push(`# HELP ${family.name} ${escapeHelp(family.help)}`)
    out.push(`# TYPE ${family.name} ${family.type}`)
    if (family.type === 'histogram') {
      for (const sample of family.samples) renderHistogram(family.name, sample, out)
    } else {
      for (const sample of family.samples) {
        out.push(`${family.name}${renderLabels(sample.labels)} ${formatValue(sample.value)}`)
      }
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`
}

/** A one-sample family without labels (most of our counters). */
export function single(
  type: 'counter' | 'gauge',
  name: string,
  help: string,
  value: number,
): MetricFamily {
  return { type, name, help, samples: [{ labels: {}, value }] }
}
