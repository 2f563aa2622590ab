// The open arrival model against a simulated clock: arrivals go out on schedule even when the
// server stalls, a stall's latency is measured from each request's scheduled time (so it shows
// in the tail), and arrivals beyond the in-flight bound are dropped and counted as errors.
// Also the results page: one SVG curve per run and the percentile axis mapping.
import { describe, expect, it } from 'vitest'
import { arrivalCount, arrivalsDue, runOpenLoop, scheduledAtMs } from './open-loop.ts'
import type { OperationResult } from './operations.ts'
import { Recorder } from './recorder.ts'
import { formatTable, reportJson, type RunReport } from './report.ts'
import { percentileX, resultsPage } from './results-page.ts'
import { scenarioNamed } from '../scenarios/catalog.ts'

const okRead: OperationResult = {
  kind: 'read', ok: true, label: '200', role: 'leader', notFound: false, conflict: false,
}

/**
 * A simulated clock: time moves only when `run` jumps it to the earliest pending timer (a
 * sleep ending or an answer arriving), after the program has had a macrotask to react.
 */
function simulated(): {
  env: { nowMs(): number; sleepMs(ms: number): Promise<void> }
  answerAfter(ms: number): Promise<OperationResult>
  run<T>(work: Promise<T>): Promise<T>
  } {
  let now = 0
  const timers: Array<{ at: number; fire: () => void }> = []
  const at = (ms: number, fire: () => void): void => {
    timers.push({ at: now + Math.max(ms, 0), fire })
  }
  return {
    env: {
      nowMs: () => now,
      sleepMs: (ms) => new Promise((resolve) => at(ms, resolve)),
    },
    answerAfter: (ms) => new Promise((resolve) => at(ms, () => resolve(okRead))),
    run: async (work) => {
      let finished = false
      const result = work.finally(() => (finished = true))
      while (!finished) {
        await new Promise((resolve) => setImmediate(resolve))
        timers.sort((a, b) => a.at - b.at)
        const next = timers.shift()
        if (next === undefined) continue
        now = Math.max(now, next.at)
        next.fire()
      }
      return result
    },
  }
}

describe('open loop', () => {
  it('open loop: schedule: arrival i due at i/rate, count = rate × duration', () => {
    expect(arrivalCount({ ratePerSec: 100, durationSec: 2, maxInFlight: 1 })).toBe(200)
    expect(scheduledAtMs(10, 100)).toBe(100)
    expect(arrivalsDue(-1, 100, 200)).toBe(0)
    expect(arrivalsDue(0, 100, 200)).toBe(1)
    expect(arrivalsDue(95, 100, 200)).toBe(10)
    expect(arrivalsDue(1e9, 100, 200)).toBe(200)
  })

  it('open loop: server answers in 1 ms: every arrival sent, latency about 1 ms', async () => {
    const sim = simulated()
    const recorder = new Recorder()
    const options = { ratePerSec: 1_000, durationSec: 1, maxInFlight: 100 }
    await sim.run(runOpenLoop(options, sim.env, recorder, () => sim.answerAfter(1)))
    const s = recorder.summary(1)
    expect(s.completed).toBe(1_000)
    expect(s.dropped).toBe(0)
    expect(s.latency.p99Us).toBeLessThan(2_500)
  })

  it('open loop: a 200 ms stall: later arrivals still sent, the tail shows it', async () => {
    const sim = simulated()
    const recorder = new Recorder()
    let sent = 0
    const options = { ratePerSec: 1_000, durationSec: 1, maxInFlight: 1_000 }
    // Arrivals in the first 200 ms all wait until t=200 ms (a stalled server).
    await sim.run(runOpenLoop(options, sim.env, recorder, () => {
      sent++
      const now = sim.env.nowMs()
      return sim.answerAfter(now < 200 ? 200 - now : 1)
    }))
    const s = recorder.summary(1)
    expect(sent).toBe(1_000)
    // About 20% of requests were caught in the stall: p90 stays low, p99 is ~200 ms.
    expect(s.latency.p50Us).toBeLessThan(5_000)
    expect(s.latency.p99Us).toBeGreaterThan(150_000)
    expect(s.latency.maxUs).toBeGreaterThan(190_000)
  })

  it('open loop: in-flight bound full: arrivals dropped and counted as errors', async () => {
    const sim = simulated()
    const recorder = new Recorder()
    const options = { ratePerSec: 1_000, durationSec: 0.1, maxInFlight: 10 }
    await sim.run(runOpenLoop(options, sim.env, recorder, () => sim.answerAfter(1_000)))
    const s = recorder.summary(1)
    expect(s.completed).toBe(10)
    expect(s.dropped).toBe(90)
    expect(s.errorsByStatus).toEqual({ dropped: 90 })
    expect(s.errorRate).toBeCloseTo(0.9)
  })
})

describe('results page', () => {
  it('results page: percentile axis: 90% → 1, 99.9% → 3, capped at five nines', () => {
    expect(percentileX(0)).toBe(0)
    expect(percentileX(90)).toBeCloseTo(1)
    expect(percentileX(99.9)).toBeCloseTo(3)
    expect(percentileX(100)).toBeCloseTo(5)
  })

  it('results page: two runs: two curves, labels escaped, figures in table and JSON', () => {
    const recorder = new Recorder()
    for (let i = 1; i <= 100; i++) recorder.record(okRead, i * 100)
    const report: RunReport = {
      scenario: scenarioNamed('hot-key-storm'),
      target: 'http://127.0.0.1:1',
      label: 'a<b',
      startedAt: 'now',
      summary: recorder.summary(1),
    }
    const html = resultsPage('t', [report, { ...report, label: 'second' }])
    expect(html.match(/<polyline/g)).toHaveLength(2)
    expect(html).toContain('a&#60;b')
    expect(html).not.toContain('<script')
    expect(formatTable(report)).toMatch(/read\s+100\s+5\.0\d/)
    const json = JSON.parse(reportJson(report)) as { latency: { p99Us: number } }
    expect(json.latency.p99Us).toBeGreaterThanOrEqual(9_900)
  })
})
