// Smoke runs of every shared scenario through the Node runner against a real local cluster
// (3 storage node processes and a gateway process on loopback): 5 seconds each at a modest
// rate, checking the runner reports sane numbers (everything scheduled was sent and answered,
// throughput near the rate, ordered percentiles) and that the gateway answered no errors. Then
// the CLI once end to end: arguments, table, JSON line and the results page.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnTs, tempDir } from '../test/harness/processes.ts'
import { scenarios } from './scenarios/catalog.ts'
import { withOverrides } from './scenarios/scenario.ts'
import { LocalCluster } from './runner/local-cluster.ts'
import { runScenario } from './runner/run-scenario.ts'

/**
 * Smoke rate cap: the machine is shared, the point is correctness, not capacity. At 300/s the
 * 512-request in-flight bound dropped arrivals whenever answers took over 1.7 s, which they did
 * with the 2 cores at load average 12-25; at 100/s that takes answers over 5 s.
 */
const smokeRatePerSecMax = 100
const smokeDurationSec = 5

let cluster: LocalCluster
let url: string

beforeAll(async () => {
  cluster = await LocalCluster.start()
  url = (await cluster.startGateway({ coalescing: true })).url
}, 90_000)

afterAll(async () => {
  if (cluster !== undefined) await cluster.close()
})

describe('loadtest runner smoke', () => {
  it.each(scenarios.map((s) => s.name))(
    'loadtest runner: %s for 5 s against a real cluster: sane numbers, no errors',
    async (name) => {
      const base = scenarios.find((s) => s.name === name)!
      const scenario = withOverrides(base, {
        ratePerSec: Math.min(base.ratePerSec, smokeRatePerSecMax),
        durationSec: smokeDurationSec,
      })
      const report = await runScenario(scenario, { url, seed: 5, warmupSec: 0.5 })
      const s = report.summary
      const expected = Math.round(scenario.ratePerSec * smokeDurationSec)
      expect(s.errorsByStatus).toEqual({})
      expect(s.scheduled).toBe(expected)
      expect(s.completed).toBe(expected)
      expect(s.ok).toBe(expected)
      // Completed / elapsed, and elapsed includes the slowest answer's tail (seconds when the
      // shared cores are oversubscribed); every arrival was sent and answered (checked above).
      expect(s.throughputPerSec).toBeGreaterThan(scenario.ratePerSec * 0.5)
      expect(s.throughputPerSec).toBeLessThan(scenario.ratePerSec * 1.05)
      const l = s.latency
      expect(l.p50Us).toBeGreaterThan(0)
      expect(l.p50Us).toBeLessThanOrEqual(l.p90Us)
      expect(l.p90Us).toBeLessThanOrEqual(l.p99Us)
      expect(l.p99Us).toBeLessThanOrEqual(l.p999Us)
      expect(l.p999Us).toBeLessThanOrEqual(l.maxUs * 1.001)
      expect(l.maxUs).toBeLessThan(10_000_000)
      if (scenario.mix.read > 0) {
        expect(s.backendReadsPerClientRead).not.toBeNull()
        expect(s.backendReadsPerClientRead!).toBeGreaterThan(0)
        expect(s.backendReadsPerClientRead!).toBeLessThanOrEqual(1)
      }
      if (name === 'hot-key-storm') expect(s.notFoundReads).toBe(0)
      if (name === 'cas-counter') expect(s.casConflicts).toBeLessThan(expected)
    },
    30_000,
  )

  it('loadtest runner: CLI against a URL: table, JSON line and a results page', async () => {
    const html = join(tempDir('loadtest'), 'results.html')
    const child = spawnTs('loadtest/run.ts', [
      'cas-counter',
      '--rate',
      '50',
      '--duration',
      '1',
      '--warmup',
      '0',
      '--url',
      url,
      '--html',
      html,
    ])
    expect(await child.exited()).toBe(0)
    const output = child.output()
    expect(output).toMatch(/scenario cas-counter against/)
    const jsonLine = output.split('\n').find((line) => line.startsWith('{'))!
    const json = JSON.parse(jsonLine) as { scenario: string; completed: number }
    expect(json).toMatchObject({ scenario: 'cas-counter', completed: 50 })
    expect(existsSync(html)).toBe(true)
    expect(readFileSync(html, 'utf8')).toMatch(/<svg[^>]*>.*<polyline/s)
  }, 30_000)

  it('loadtest runner: CLI with an unknown scenario: exit 2 and the usage', async () => {
    const child = spawnTs('loadtest/run.ts', ['nope', '--url', url])
    expect(await child.exited()).toBe(2)
    expect(child.output()).toMatch(/unknown scenario 'nope'.*\n.*usage: npm run loadtest/s)
  })
})
