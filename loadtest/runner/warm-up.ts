/**
 * Unmeasured load against freshly started servers, before a bench's first case. V8 optimizes a
 * Node server's hot paths and sizes its young generation over the first seconds under load;
 * measured without this, the first case of a quick gateway run (hot strong) lost ~20% of its
 * req/s and ~8 ms of p99 to it. A server in service runs for days, and each case still has its
 * own short warm-up.
 */
import { SeededPrng } from '../../shared/random/prng.ts'
import { SystemClock } from '../../shared/time/clock.ts'
import type { Scenario } from '../scenarios/scenario.ts'
import { runClosedLoop } from './closed-loop.ts'
import { HttpTarget } from './http-target.ts'
import { OperationSource } from './operations.ts'

/** Runs each scenario closed-loop against `url` for `seconds`, one after the other. */
export async function warmUpServer(
  url: string,
  scenarios: readonly Scenario[],
  options: { clients: number; seconds: number },
): Promise<void> {
  const clock = new SystemClock()
  const env = { nowMs: () => clock.monotonicMs() }
  const target = new HttpTarget(url, { sockets: options.clients })
  try {
    for (const scenario of scenarios) {
      const source = new OperationSource(scenario, new SeededPrng(0))
      const loop = { clients: options.clients, warmupSec: 0, durationSec: options.seconds }
      await runClosedLoop(loop, env, () => source.next().run(target))
    }
  } finally {
    target.close()
  }
}
