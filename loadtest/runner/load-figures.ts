/**
 * The figures every benchmark line reports about one measured phase, taken from the runner's
 * RunSummary in one place: requests, throughput, latency percentiles and errors by status.
 */
import type { RunSummary } from './recorder.ts'

export interface LoadFigures {
  readonly requests: number
  readonly reqPerSec: number
  readonly p50Us: number
  readonly p99Us: number
  readonly p999Us: number
  readonly maxUs: number
  readonly errors: Readonly<Record<string, number>>
}

export function loadFigures(summary: RunSummary): LoadFigures {
  return {
    requests: summary.completed,
    reqPerSec: Math.round(summary.throughputPerSec),
    p50Us: summary.latency.p50Us,
    p99Us: summary.latency.p99Us,
    p999Us: summary.latency.p999Us,
    maxUs: summary.latency.maxUs,
    errors: summary.errorsByStatus,
  }
}
