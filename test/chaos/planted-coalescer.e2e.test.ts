/**
 * Goal: prove the chaos suite can fail on the real system. Method: the real cluster with two
 * gateways started with the test-only planted bug SHOAL_PLANTED_BUG=join-any-in-flight (strong
 * reads ride a backend read already in the air, which may have read before a write they must
 * observe); the nodes' replies to gateway gw0 delayed by 300 ms (a far-away gateway: its reads
 * spend 300 ms on the way back after the leader answered); a read-heavy workload on two hot
 * keys (16 clients spread over both gateways, 80% strong gets, 20% puts); no other fault. A put
 * acknowledged through the near gw1 lands while a gw0 read is on its way back, and a later read
 * joining that flight at gw0 returns the older value. The checker must report `not
 * linearizable` within one 15 s run. Control: the same shape without the bug must be
 * linearizable (with one gateway the window is nearly closed: replies on one connection arrive
 * in order, so a write's ack cannot overtake a read's reply).
 */
import { describe, expect, it } from 'vitest'
import { summarize } from './report.ts'
import { runChaos, type ChaosOptions } from './run-chaos.ts'

const durationMs = 15_000
/** The control only has to show the shape is sound; a shorter run keeps the suite's budget. */
const controlMs = 10_000
const seed = Number(process.env.SHOAL_SEED ?? Date.now() % 1_000_000)
const shape: Omit<ChaosOptions, 'seed'> = {
  durationMs,
  faults: [],
  keys: 2,
  clients: 16,
  mix: [8, 2, 0, 0],
  gateways: 2,
  linkDelaysMs: { 'gw0->n1:down': 300, 'gw0->n2:down': 300, 'gw0->n3:down': 300 },
}
const replay =
  `npx tsx test/chaos/run-chaos.ts --seed ${seed} --duration 15s --faults none --keys 2 ` +
  '--clients 16 --mix 8,2,0,0 --gateways 2 --slow-gateway 300'

describe('chaos planted bug', () => {
  it('chaos: gateway planted join-any-in-flight: one 15 s run: not linearizable', async () => {
    console.log(
      `planted join-any-in-flight: seed ${seed}; replay: ${replay} ` +
        '--planted-bug join-any-in-flight',
    )
    const report = await runChaos({
      seed,
      ...shape,
      gatewayEnv: { SHOAL_PLANTED_BUG: 'join-any-in-flight' },
    })
    const summary = summarize(report)
    console.log(summary)
    const caught = report.verdict === 'not-linearizable'
    console.log(
      `planted join-any-in-flight: detected ${caught ? 1 : 0}/1 runs of ` +
        `${durationMs} ms (seed ${seed}, ${report.okOps} ok ops)`,
    )
    expect(report.okOps, summary).toBeGreaterThanOrEqual(200)
    expect(report.verdict, summary).toBe('not-linearizable')
    expect(report.violations.length, summary).toBeGreaterThan(0)
  }, 180_000)

  it('chaos: the same shape without the planted bug: linearizable', async () => {
    console.log(`control: seed ${seed}; replay: ${replay}`)
    const report = await runChaos({ seed, ...shape, durationMs: controlMs })
    const summary = summarize(report)
    console.log(summary)
    expect(report.okOps, summary).toBeGreaterThanOrEqual(200)
    expect(report.verdict, summary).toBe('linearizable')
    expect(report.lostWrites, summary).toEqual([])
  }, 180_000)
})
