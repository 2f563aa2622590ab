/**
 * Goal: under real faults, the real system (3 storage node processes behind fault-injecting
 * proxies + the gateway process) keeps strong operations linearizable, loses no acknowledged
 * write, and its replicas converge. Method: two short chaos runs with seeds derived from the
 * date (printed, so a failure can be replayed with run-chaos.ts): one with SIGKILL/restart of
 * random nodes and leaders, one with SIGSTOP pauses and inbound isolation. Anti-vacuity: each
 * run must complete enough ok ops and actually inject faults.
 */
import { describe, expect, it } from 'vitest'
import { runChaos } from './run-chaos.ts'
import { summarize } from './report.ts'
import type { FaultKind } from './nemesis.ts'

const durationMs = 20_000
const okOpsMin = 300
const faultsMin = 3
const baseSeed = Number(process.env.SHOAL_SEED ?? Math.floor(Date.now() / 86_400_000))

async function run(seed: number, faults: readonly FaultKind[]): Promise<void> {
  console.log(`chaos seed ${seed} (${faults.join(',')}); replay: npx tsx ` +
    `test/chaos/run-chaos.ts --seed ${seed} --duration 20s --faults ${faults.join(',')}`)
  const report = await runChaos({ seed, durationMs, faults })
  const summary = summarize(report)
  console.log(summary)
  expect(report.verdict, summary).toBe('linearizable')
  expect(report.lostWrites, summary).toEqual([])
  expect(report.converged, summary).toBe(true)
  expect(report.okOps, summary).toBeGreaterThanOrEqual(okOpsMin)
  expect(report.faultsInjected, summary).toBeGreaterThanOrEqual(faultsMin)
}

describe('chaos', () => {
  it('chaos: kills and leader kills under load: linearizable, no lost write, converged',
    async () => {
      await run(baseSeed * 2, ['kill', 'kill-leader'])
    }, 180_000)

  it('chaos: pauses and isolation under load: linearizable, no lost write, converged',
    async () => {
      await run(baseSeed * 2 + 1, ['pause', 'isolate'])
    }, 180_000)
})
