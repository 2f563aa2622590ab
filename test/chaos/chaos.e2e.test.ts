/**
 * Goal: under real faults, the real system (3 storage node processes, a fault-injecting proxy
 * on every directed link, and the gateway processes) keeps strong operations linearizable,
 * loses no acknowledged write, and its replicas converge. Method: four short chaos runs with
 * seeds derived from the time of the run (printed with a replay command; SHOAL_SEED pins
 * them), each mixing fault kinds: kills (the leader too), pauses, full and one-way partitions,
 * link latency, in the third run with every shard's leadership gathered on n1 by the cluster
 * file's leaderPreference (so leader kills and one-way partitions hit transfers and the moves
 * back), and in the last run a slow disk on n3 and two gateways. Each run must assert a
 * `linearizable` verdict, 0 lost acknowledged writes, converged replicas and a successful write
 * after healing; anti-vacuity: enough ok ops and faults actually injected. Reports (JSON and a
 * readable summary) go to test-artifacts/chaos/.
 */
import { describe, expect, it } from 'vitest'
import { runChaos, type ChaosOptions } from './run-chaos.ts'
import { summarize } from './report.ts'
import type { FaultKind } from './nemesis.ts'

const durationMs = 20_000
const okOpsMin = 300
/** A SIGKILL + restart takes 5-8 s on a loaded 2-core machine, so 20 s hold 2 of them. */
const faultsMin = 2
const baseSeed = Number(process.env.SHOAL_SEED ?? Date.now() % 1_000_000_000)

async function run(
  seed: number,
  faults: readonly FaultKind[],
  extra: Partial<ChaosOptions> = {},
): Promise<void> {
  console.log(
    `chaos seed ${seed} (${faults.join(',')}); replay: npx tsx ` +
      `test/chaos/run-chaos.ts --seed ${seed} --duration 20s --faults ${faults.join(',')}` +
      (extra.gateways === undefined ? '' : ` --gateways ${extra.gateways} --slow-disk 5`) +
      (extra.leaderPreference === undefined ? ''
        : ` --leader-preference ${extra.leaderPreference.join(',')}`),
  )
  const report = await runChaos({ seed, durationMs, faults, ...extra })
  const summary = summarize(report)
  console.log(summary + '\n' + report.faultLog.join('\n'))
  expect(report.verdict, summary).toBe('linearizable')
  expect(report.lostWrites, summary).toEqual([])
  expect(report.converged, summary).toBe(true)
  expect(report.finalWriteOk, summary).toBe(true)
  expect(report.okOps, summary).toBeGreaterThanOrEqual(okOpsMin)
  expect(report.faultsInjected, summary).toBeGreaterThanOrEqual(faultsMin)
}

describe('chaos', () => {
  it('chaos: kills and leader kills: linearizable, no lost write, converged', async () => {
    await run(baseSeed, ['kill', 'kill-leader'])
  }, 240_000)

  it('chaos: pauses and full partitions: linearizable, no lost write, converged', async () => {
    await run(baseSeed + 1, ['pause', 'partition'])
  }, 240_000)

  it('chaos: leaders preferred on n1; one-way partitions, delay, leader kills: linearizable',
    async () => {
    await run(baseSeed + 2, ['partition-one-way', 'delay', 'kill-leader'],
      { leaderPreference: ['n1', 'n2', 'n3'] })
  }, 240_000)

  it('chaos: every fault, slow disk on n3, two gateways: linearizable, converged', async () => {
    await run(
      baseSeed + 3,
      ['kill', 'kill-leader', 'pause', 'partition', 'partition-one-way', 'delay'],
      { gateways: 2, nodeEnv: { n3: { SHOAL_TEST_FSYNC_DELAY_MS: '5' } } },
    )
  }, 240_000)
})
