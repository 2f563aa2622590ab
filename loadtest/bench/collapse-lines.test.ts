// Goal: the collapse bench judges issue 9's targets from one run's lines exactly. Method: build
// lines by hand around each bound and check every verdict, and the missing-line case.
import { describe, expect, it } from 'vitest'
import {
  collapseTargets,
  type CollapseLine,
  type ProbeLine,
  type TargetVerdict,
} from './collapse-lines.ts'

function line(
  partial: Partial<CollapseLine> & Pick<CollapseLine, 'system' | 'workload' | 'consistency'>,
): CollapseLine {
  return {
    bench: 'collapse',
    clients: 256,
    requests: 1_000,
    reqPerSec: 1_000,
    p50Us: 1_000,
    p99Us: 10_000,
    p999Us: 20_000,
    maxUs: 30_000,
    errors: {},
    backendCallsPerRequest: 0.1,
    readRoles: null,
    serverCpuUsPerRequest: 20,
    loadAverage: [1, 1, 1],
    cores: 2,
    ...partial,
  }
}

const strongProbe = (stale: number): ProbeLine => ({
  bench: 'collapse',
  system: 'shoal',
  consistency: 'strong',
  probe: 'stale-after-ack',
  reads: 20,
  fresh: 20 - stale,
  stale,
  invalid: 0,
  maxVersionsBehind: stale > 0 ? 1 : 0,
  loadAverage: [1, 1, 1],
  cores: 2,
})

function run(): CollapseLine[] {
  return [
    line({ system: 'shoal', workload: 'hot', consistency: 'strong', reqPerSec: 10_000 }),
    line({ system: 'shoal', workload: 'hot', consistency: 'eventual', reqPerSec: 12_000 }),
    line({ system: 'varnish', workload: 'hot', consistency: 'ttl-1s', reqPerSec: 10_000 }),
    line({ system: 'nginx', workload: 'hot', consistency: 'ttl-1s', reqPerSec: 20_000 }),
    line({
      system: 'shoal',
      workload: 'zipf',
      consistency: 'strong',
      reqPerSec: 4_000,
      backendCallsPerRequest: 0.75,
    }),
    line({
      system: 'shoal',
      workload: 'zipf',
      consistency: 'eventual',
      reqPerSec: 6_000,
      backendCallsPerRequest: 0.4,
    }),
    line({ system: 'varnish', workload: 'zipf', consistency: 'ttl-1s', reqPerSec: 4_000 }),
    line({ system: 'nginx', workload: 'zipf', consistency: 'ttl-1s' }),
  ]
}

const byName = (verdicts: TargetVerdict[]): Record<string, TargetVerdict> =>
  Object.fromEntries(verdicts.map((v) => [v.target, v]))

describe('collapseTargets', () => {
  it('collapseTargets: every figure exactly at its bound: every target met', () => {
    const verdicts = collapseTargets(run(), [strongProbe(0)])
    expect(verdicts).toHaveLength(9)
    expect(verdicts.filter((v) => v.met !== true)).toEqual([])
    const named = byName(verdicts)
    expect(named['hot eventual req/s / Varnish']!.value).toBe(1.2)
    expect(named['hot eventual req/s / nginx']!.value).toBe(0.6)
    expect(named['zipf eventual req/s / Varnish']!.value).toBe(1.5)
  })

  it('collapseTargets: just past each bound: that target missed, others unchanged', () => {
    const lines = run().map((l) =>
      l.system === 'shoal' && l.workload === 'hot' && l.consistency === 'strong'
        ? { ...l, reqPerSec: 9_999, p99Us: 20_001 }
        : l,
    )
    const named = byName(collapseTargets(lines, [strongProbe(1)]))
    expect(named['hot strong req/s / Varnish']!.met).toBe(false)
    expect(named['hot strong p99 ms']).toEqual({
      target: 'hot strong p99 ms',
      value: 20.001,
      bound: '<= 20',
      met: false,
    })
    expect(named['stale strong reads after ack']!.met).toBe(false)
    expect(named['hot eventual p99 ms']!.met).toBe(true)
  })

  it('collapseTargets: a missing line or probe: value and verdict null, not a guess', () => {
    const lines = run().filter((l) => l.system !== 'varnish')
    const named = byName(collapseTargets(lines, []))
    expect(named['hot eventual req/s / Varnish']).toMatchObject({ value: null, met: null })
    expect(named['stale strong reads after ack']).toMatchObject({ value: null, met: null })
    expect(named['hot eventual req/s / nginx']!.met).toBe(true)
  })
})
