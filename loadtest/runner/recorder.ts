/**
 * Recorder: what a load run measured. Latencies go into HDR histograms in microseconds (one
 * overall, one per operation kind) from 1 µs to 60 s at 3 significant digits; counters keep
 * errors by status label, not-found reads, CAS conflicts and the X-Shoal-Coalesced roles of
 * single reads. `summary()` turns it into plain numbers for the table, the JSON and the chart.
 */
import { build, type Histogram } from 'hdr-histogram-js'
import type { OperationKind } from '../scenarios/scenario.ts'
import type { OperationResult } from './operations.ts'

/** Largest latency a histogram tracks (µs); slower answers are clamped to it. */
export const latencyUsMax = 60_000_000

/** The percentiles every report prints. */
export const reportedPercentiles = [50, 90, 99, 99.9] as const

/** Points of the percentile curve drawn on the results page (0 → 99.999). */
export const curvePercentiles = [
  0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999,
] as const

function newHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: latencyUsMax,
    numberOfSignificantValueDigits: 3,
  })
}

export interface LatencySummary {
  readonly count: number
  readonly p50Us: number
  readonly p90Us: number
  readonly p99Us: number
  readonly p999Us: number
  readonly maxUs: number
  readonly meanUs: number
  /** [percentile, µs] pairs along curvePercentiles. */
  readonly curve: ReadonlyArray<readonly [number, number]>
}

export interface RunSummary {
  readonly scheduled: number
  readonly completed: number
  readonly ok: number
  readonly dropped: number
  readonly elapsedSec: number
  readonly throughputPerSec: number
  readonly errorsByStatus: Readonly<Record<string, number>>
  readonly errorRate: number
  readonly notFoundReads: number
  readonly casConflicts: number
  readonly readRoles: Readonly<Record<string, number>>
  /** Share of single reads that sent a backend read (role 'leader'); null without reads. */
  readonly backendReadsPerClientRead: number | null
  readonly latency: LatencySummary
  readonly byKind: Readonly<Partial<Record<OperationKind, LatencySummary>>>
}

export class Recorder {
  readonly #all = newHistogram()
  readonly #byKind = new Map<OperationKind, Histogram>()
  readonly #errors = new Map<string, number>()
  readonly #roles = new Map<string, number>()
  #scheduled = 0
  #completed = 0
  #ok = 0
  #dropped = 0
  #notFound = 0
  #conflicts = 0

  scheduled(): void {
    this.#scheduled++
  }

  /** An arrival that found the in-flight bound full: counted as an error, never sent. */
  dropped(): void {
    this.#dropped++
    this.#count(this.#errors, 'dropped')
  }

  record(result: OperationResult, latencyUs: number): void {
    const us = Math.max(1, Math.min(latencyUsMax, Math.round(latencyUs)))
    this.#completed++
    this.#all.recordValue(us)
    let histogram = this.#byKind.get(result.kind)
    if (histogram === undefined) {
      histogram = newHistogram()
      this.#byKind.set(result.kind, histogram)
    }
    histogram.recordValue(us)
    if (result.ok) this.#ok++
    else this.#count(this.#errors, result.label)
    if (result.notFound) this.#notFound++
    if (result.conflict) this.#conflicts++
    if (result.kind === 'read' && result.ok) this.#count(this.#roles, result.role ?? 'none')
  }

  #count(map: Map<string, number>, label: string): void {
    map.set(label, (map.get(label) ?? 0) + 1)
  }

  summary(elapsedSec: number): RunSummary {
    const errors = Object.fromEntries(this.#errors)
    const errorCount = [...this.#errors.values()].reduce((a, b) => a + b, 0)
    const roles = Object.fromEntries(this.#roles)
    const reads = [...this.#roles.values()].reduce((a, b) => a + b, 0)
    const byKind: Partial<Record<OperationKind, LatencySummary>> = {}
    for (const [kind, histogram] of this.#byKind) byKind[kind] = summarize(histogram)
    return {
      scheduled: this.#scheduled,
      completed: this.#completed,
      ok: this.#ok,
      dropped: this.#dropped,
      elapsedSec,
      throughputPerSec: elapsedSec > 0 ? this.#completed / elapsedSec : 0,
      errorsByStatus: errors,
      errorRate: this.#scheduled === 0 ? 0 : errorCount / this.#scheduled,
      notFoundReads: this.#notFound,
      casConflicts: this.#conflicts,
      readRoles: roles,
      backendReadsPerClientRead: reads === 0 ? null : (this.#roles.get('leader') ?? 0) / reads,
      latency: summarize(this.#all),
      byKind,
    }
  }
}

export function summarize(histogram: Histogram): LatencySummary {
  const at = (p: number): number => (histogram.totalCount === 0 ? 0 :
    histogram.getValueAtPercentile(p))
  return {
    count: histogram.totalCount,
    p50Us: at(50),
    p90Us: at(90),
    p99Us: at(99),
    p999Us: at(99.9),
    maxUs: histogram.totalCount === 0 ? 0 : histogram.maxValue,
    meanUs: histogram.totalCount === 0 ? 0 : histogram.mean,
    curve: curvePercentiles.map((p) => [p, at(p)] as const),
  }
}
