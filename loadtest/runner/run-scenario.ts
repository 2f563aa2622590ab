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
  /** Seconds of the same load first, not recorded (connections, JIT, leader caches). */
  readonly warmupSec?: number
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
  const env = {
    nowMs: () => clock.monotonicMs(),
    sleepMs: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  }
  const issue = (): ReturnType<ReturnType<OperationSource['next']>['run']> =>
    source.next().run(target)
  try {
    const warmupSec = options.warmupSec ?? 0
    if (warmupSec > 0) {
      await runOpenLoop({ ...scenario, durationSec: warmupSec }, env, new Recorder(), issue)
    }
    const startedAt = new Date().toISOString()
    const elapsedSec = await runOpenLoop(scenario, env, recorder, issue)
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
