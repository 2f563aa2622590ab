// Goal: the bench's figures and target verdicts are computed right from raw observations.
// Method: hand-made latency lists, failover event lists and result lines with known answers.
import { describe, expect, it } from 'vitest'
import {
  compare,
  failoverFigures,
  percentile,
  summarize,
  type FailoverLine,
  type LoadLine,
} from './etcd-compare.ts'

describe('percentile and summarize', () => {
  it('percentile: 1..100: nearest rank (p50 = 50, p99 = 99, p100 = 100)', () => {
    const list = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(list, 0.5)).toBe(50)
    expect(percentile(list, 0.99)).toBe(99)
    expect(percentile(list, 1)).toBe(100)
    expect(percentile([7], 0.99)).toBe(7)
    expect(percentile([], 0.5)).toBe(0)
  })

  it('percentile: p outside (0, 1]: error', () => {
    expect(() => percentile([1], 0)).toThrow(/p must be/)
    expect(() => percentile([1], 1.5)).toThrow(/p must be/)
  })

  it('summarize: unsorted µs latencies over 2 s: numeric sort, ops/s and percentiles', () => {
    const lat = [900, 100, 20_000, 300, 5_000, 200, 400, 800, 600, 700]
    expect(summarize(lat, 2_000)).toEqual({ ops: 10, opsPerSec: 5, p50Us: 600, p99Us: 20_000 })
  })

  it('summarize: zero elapsed time: error', () => {
    expect(() => summarize([1], 0)).toThrow(/elapsed/)
  })
})

describe('failoverFigures', () => {
  it('failoverFigures: kill at 1000: first ok write sent after it, longest in-flight wait', () => {
    const f = failoverFigures({
      killedAt: 1_000,
      deadlineMs: 5_000,
      requests: [
        { start: 900, end: 950, ok: true }, // before the kill: not in flight at it
        { start: 990, end: 1_010, ok: false }, // in flight: failed fast (20 ms)
        { start: 995, end: 6_000, ok: false }, // in flight: hung to its deadline (5,005 ms)
        { start: 980, end: 1_300, ok: true }, // in flight, acknowledged: not "sent after"
        { start: 1_020, end: 1_500, ok: true }, // the first write sent after the kill
        { start: 1_600, end: 1_700, ok: true },
      ],
    })
    expect(f).toEqual({
      firstWriteAfterKillMs: 500,
      longestInFlightWaitMs: 5_005,
      pastDeadline: 0,
      failed: 2,
    })
  })

  it('failoverFigures: a request waiting past deadline + slack: counted; none ok: null', () => {
    const f = failoverFigures({
      killedAt: 0,
      deadlineMs: 1_000,
      requests: [
        { start: -5, end: 1_200, ok: false },
        { start: 10, end: 1_050, ok: false },
      ],
    })
    expect(f.pastDeadline).toBe(1)
    expect(f.firstWriteAfterKillMs).toBeNull()
  })

  it('failoverFigures: a request ending before it started: error', () => {
    expect(() =>
      failoverFigures({ killedAt: 0, deadlineMs: 1, requests: [{ start: 5, end: 4, ok: true }] }),
    ).toThrow(/ended before/)
  })
})

describe('compare', () => {
  const load = (
    system: 'shoal' | 'etcd',
    op: LoadLine['op'],
    concurrency: number,
    opsPerSec: number,
    p99Us: number,
  ): LoadLine => ({
    system,
    client: 'c',
    op,
    concurrency,
    ops: 1,
    opsPerSec,
    p50Us: 1,
    p99Us,
    errors: 0,
    cpuMsPerOp: 1,
    loadAvg1m: 1,
  })
  const failover = (system: 'shoal' | 'etcd', ms: number | null, past: number): FailoverLine => ({
    system,
    client: 'c',
    op: 'failover',
    concurrency: 16,
    killed: 'x',
    firstWriteAfterKillMs: ms,
    longestInFlightWaitMs: 1,
    deadlineMs: 5_000,
    pastDeadline: past,
    failed: 0,
    loadAvg1m: 1,
  })

  it('compare: Shoal 2.5× puts, 0.4× p99, 3× gets, 900 ms: every target met', () => {
    const c = compare(
      [
        load('shoal', 'put', 64, 10_000, 20_000),
        load('etcd', 'put', 64, 4_000, 50_000),
        load('shoal', 'get-strong', 64, 12_000, 1),
        load('etcd', 'get-strong', 64, 4_000, 1),
        load('shoal', 'put', 16, 1, 1), // other concurrencies are not compared
      ],
      [failover('shoal', 900, 0), failover('etcd', 2_000, 0)],
    )
    expect(c.putOpsRatioAt64).toBe(2.5)
    expect(c.putP99RatioAt64).toBe(0.4)
    expect(c.strongGetOpsRatioAt64).toBe(3)
    expect(c.met).toEqual({
      puts: true,
      putP99: true,
      strongGets: true,
      failover: true,
      deadlines: true,
    })
  })

  it('compare: Shoal slower, late failover, a request past deadline: each target missed', () => {
    const c = compare(
      [
        load('shoal', 'put', 64, 500, 300_000),
        load('etcd', 'put', 64, 1_000, 100_000),
        load('shoal', 'get-strong', 64, 2_000, 1),
        load('etcd', 'get-strong', 64, 1_000, 1),
      ],
      [failover('shoal', 1_600, 1)],
    )
    expect(c.putOpsRatioAt64).toBe(0.5)
    expect(c.putP99RatioAt64).toBe(3)
    expect(c.etcdFailoverMs).toBeNull()
    expect(c.met).toEqual({
      puts: false,
      putP99: false,
      strongGets: false,
      failover: false,
      deadlines: false,
    })
  })

  it('compare: etcd side missing: ratios null, ratio targets not met', () => {
    const c = compare([load('shoal', 'put', 64, 500, 1)], [])
    expect(c.putOpsRatioAt64).toBeNull()
    expect(c.met.puts).toBe(false)
    expect(c.met.failover).toBe(false)
  })
})
