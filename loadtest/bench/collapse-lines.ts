/**
 * The collapse bench's output records (one JSON line each) and the issue-9 targets computed
 * from one run's lines: pure, so the verdicts are tested without a cluster. Every target is a
 * ratio or a bound within one run (never an absolute time from another machine).
 */
import type { LoadFigures } from '../runner/load-figures.ts'
import type { ProbeCounts } from './stale-probe.ts'

export type CollapseSystem = 'shoal' | 'varnish' | 'nginx'
export type CollapseWorkload = 'hot' | 'zipf'
/** Shoal read consistency, or the peers' own rule: whatever their 1 s TTL cache holds. */
export type CollapseConsistency = 'strong' | 'eventual' | 'ttl-1s'

export interface LoadAverage {
  readonly loadAverage: readonly [number, number, number]
  readonly cores: number
}

export interface CollapseLine extends LoadAverage, LoadFigures {
  readonly bench: 'collapse'
  readonly system: CollapseSystem
  readonly workload: CollapseWorkload
  readonly consistency: CollapseConsistency
  readonly clients: number
  /** Backend (storage) reads per client request over the measured phase. */
  readonly backendCallsPerRequest: number
  /** Shoal only: answers by X-Shoal-Coalesced role (leader, follower, cache); else null. */
  readonly readRoles: Readonly<Record<string, number>> | null
  /**
   * CPU (user + system) of the server under test's process tree per client request over the
   * measured phase: which system is saturated, and what a request costs it. Null without /proc.
   */
  readonly serverCpuUsPerRequest: number | null
}

/** The same closed loop against a bare node:http server: what one Node process can answer. */
export interface CeilingLine extends LoadAverage, LoadFigures {
  readonly bench: 'collapse'
  readonly ceiling: 'node-hello-world'
  readonly clients: number
  readonly serverCpuUsPerRequest: number | null
}

export interface ProbeLine extends ProbeCounts, LoadAverage {
  readonly bench: 'collapse'
  readonly system: CollapseSystem
  readonly consistency: CollapseConsistency
}

export interface TargetVerdict {
  readonly target: string
  readonly value: number | null
  readonly bound: string
  /** null when a line the target needs is missing. */
  readonly met: boolean | null
}

function round3(value: number): number {
  return Math.round(value * 1_000) / 1_000
}

type Find = (
  system: CollapseSystem,
  workload: CollapseWorkload,
  consistency: CollapseConsistency,
) => CollapseLine | undefined

function ratioTarget(
  target: string,
  a: CollapseLine | undefined,
  b: CollapseLine | undefined,
  atLeast: number,
): TargetVerdict {
  const bound = `>= ${atLeast}`
  if (a === undefined || b === undefined || b.reqPerSec === 0) {
    return { target, value: null, bound, met: null }
  }
  // Judged on the exact ratio; only the reported value is rounded.
  const ratio = a.reqPerSec / b.reqPerSec
  return { target, value: round3(ratio), bound, met: ratio >= atLeast }
}

function atMost(target: string, value: number | undefined, most: number): TargetVerdict {
  if (value === undefined) return { target, value: null, bound: `<= ${most}`, met: null }
  return { target, value: round3(value), bound: `<= ${most}`, met: value <= most }
}

/** Issue 9's targets, each with this run's value. */
export function collapseTargets(
  lines: readonly CollapseLine[],
  probes: readonly ProbeLine[],
): TargetVerdict[] {
  const find: Find = (system, workload, consistency) =>
    lines.find(
      (l) => l.system === system && l.workload === workload && l.consistency === consistency,
    )
  const hot = (system: CollapseSystem, c: CollapseConsistency): CollapseLine | undefined =>
    find(system, 'hot', c)
  const zipf = (system: CollapseSystem, c: CollapseConsistency): CollapseLine | undefined =>
    find(system, 'zipf', c)
  const strongProbe = probes.find((p) => p.system === 'shoal' && p.consistency === 'strong')
  return [
    ratioTarget(
      'hot eventual req/s / Varnish',
      hot('shoal', 'eventual'),
      hot('varnish', 'ttl-1s'),
      1.2,
    ),
    ratioTarget(
      'hot eventual req/s / nginx',
      hot('shoal', 'eventual'),
      hot('nginx', 'ttl-1s'),
      0.6,
    ),
    ratioTarget(
      'hot strong req/s / Varnish',
      hot('shoal', 'strong'),
      hot('varnish', 'ttl-1s'),
      1.0,
    ),
    atMost('hot strong p99 ms', msOf(hot('shoal', 'strong')?.p99Us), 20),
    atMost('hot eventual p99 ms', msOf(hot('shoal', 'eventual')?.p99Us), 20),
    atMost(
      'zipf eventual backend calls / request',
      zipf('shoal', 'eventual')?.backendCallsPerRequest,
      0.4,
    ),
    ratioTarget(
      'zipf eventual req/s / Varnish',
      zipf('shoal', 'eventual'),
      zipf('varnish', 'ttl-1s'),
      1.5,
    ),
    atMost(
      'zipf strong backend calls / request',
      zipf('shoal', 'strong')?.backendCallsPerRequest,
      0.75,
    ),
    atMost('stale strong reads after ack', strongProbe?.stale, 0),
  ]
}

function msOf(us: number | undefined): number | undefined {
  return us === undefined ? undefined : us / 1_000
}
