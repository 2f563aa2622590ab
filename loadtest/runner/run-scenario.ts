/**
 * Runs one scenario against a gateway URL: creates its table, preloads its most popular keys,
 * then drives the open arrival schedule and returns the report. The request sequence comes
 * from a SeededPrng, so two runs with one seed send the same operations.
 */
import { SeededPrng } from '../../shared/random/prng.ts'
import { SystemClock } from '../../shared/time/clock.ts'
import { keySpace, type Scenario } from '../scenarios/scenario.ts'
import { HttpTarget } from './http-target.ts'
import { ensureTable, preloadKeys } from './local-cluster.ts'
import { runOpenLoop } from './open-loop.ts'
import { OperationSource } from './operations.ts'
import { Recorder } from './recorder.ts'
import type { RunReport } from './report.ts'

export interface RunScenarioOptions {
  readonly url: string
  readonly seed?: number
  /** Skip table creation and preloading (already done against this target). */
  readonly skipSetup?: boolean
  readonly label?: string
}

export async function runScenario(
  scenario: Scenario,
  options: RunScenarioOptions,
): Promise<RunReport> {
  if (options.skipSetup !== true) {
    await ensureTable(options.url, scenario.table)
    await preloadKeys(options.url, scenario, Math.min(scenario.preload, keySpace(scenario.keys)))
  }
  const clock = new SystemClock()
  const source = new OperationSource(scenario, new SeededPrng(options.seed ?? 1))
  const target = new HttpTarget(options.url, { sockets: scenario.maxInFlight })
  const recorder = new Recorder()
  const startedAt = new Date().toISOString()
  try {
    const elapsedSec = await runOpenLoop(
      scenario,
      {
        nowMs: () => clock.monotonicMs(),
        sleepMs: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      recorder,
      () => source.next().run(target),
    )
    return {
      scenario,
      target: options.url,
      label: options.label ?? scenario.name,
      startedAt,
      summary: recorder.summary(elapsedSec),
    }
  } finally {
    target.close()
  }
}
