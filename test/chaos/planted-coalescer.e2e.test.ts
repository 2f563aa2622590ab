/**
 * Goal: prove the chaos suite can fail on the real system. Method: start the real cluster with
 * two gateways started with the test-only planted bug SHOAL_PLANTED_BUG=join-any-in-flight
 * (strong reads ride a backend read already in the air, which may have read before a write they
 * must observe), gateway gw0's links to the nodes slowed by 40 ms (a far-away gateway), and a
 * read-heavy workload on two hot keys (16 clients spread over both gateways, 80% strong gets,
 * 20% puts), no other fault. A put acknowledged through the fast gw1 lands while gw0's read is
 * on its way back, and a read joining it at gw0 returns the older value. The linearizability
 * checker must report `not linearizable` within this one run. With one gateway and no delay the
 * window is nearly closed: replies on one connection arrive in order, so the write's ack cannot
 * overtake the read's reply. The same shape without the bug passes in chaos.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { summarize } from './report.ts'
import { runChaos } from './run-chaos.ts'

/** One run of this length has caught the bug on every seed tried (see the final report). */
const durationMs = 15_000
const seed = Number(process.env.SHOAL_SEED ?? Date.now() % 1_000_000)

describe('chaos planted bug', () => {
  it('chaos: gateway planted join-any-in-flight: one 15 s run: not linearizable', async () => {
    console.log(
      `planted join-any-in-flight: seed ${seed}; replay: npx tsx ` +
        `test/chaos/run-chaos.ts --seed ${seed} --duration 15s --faults none ` +
        '--planted-bug join-any-in-flight --keys 2 --clients 16 --mix 8,2,0,0 --gateways 2 ' +
        '--slow-gateway 40',
    )
    const report = await runChaos({
      seed,
      durationMs,
      faults: [],
      keys: 2,
      clients: 16,
      mix: [8, 2, 0, 0],
      gatewayEnv: { SHOAL_PLANTED_BUG: 'join-any-in-flight' },
      gateways: 2,
      linkDelaysMs: { 'gw0->n1': 40, 'gw0->n2': 40, 'gw0->n3': 40 },
    })
    const summary = summarize(report)
    console.log(summary)
    console.log(
      `planted join-any-in-flight: detected ${
        report.verdict === 'not-linearizable' ? 1 : 0
      }/1 runs of ${durationMs} ms (seed ${seed}, ${report.okOps} ok ops)`,
    )
    expect(report.okOps, summary).toBeGreaterThanOrEqual(300)
    expect(report.verdict, summary).toBe('not-linearizable')
    expect(report.violations.length, summary).toBeGreaterThan(0)
  }, 180_000)
})
