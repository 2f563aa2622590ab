/**
 * runSeed: one simulation from a seed, reduced to a result with the exact command that
 * replays it. Safety violations and assertion failures in the core both count as failures.
 */
import type { PlantedBug } from '../../../storage/raft/config.ts'
import type { SimShape, SimStats } from './cluster.ts'
import { RaftSim } from './cluster.ts'

export interface SimResult {
  readonly seed: number
  readonly steps: number
  readonly ok: boolean
  readonly failure?: string
  readonly traceHash: number
  readonly shape: SimShape
  readonly stats: SimStats
  readonly replay: string
}

export function replayCommand(
  seed: number,
  steps: number,
  plantedBug?: PlantedBug,
  profile: 'default' | 'churn' = 'default',
): string {
  const bug = plantedBug === undefined ? '' : ` --planted-bug ${plantedBug}`
  const shape = profile === 'default' ? '' : ` --profile ${profile}`
  return `npx tsx test/sim/raft/run.ts --seed ${seed} --steps ${steps}${bug}${shape}`
}

export function runSeed(
  seed: number,
  steps: number,
  plantedBug?: PlantedBug,
  profile: 'default' | 'churn' = 'default',
): SimResult {
  const bug = plantedBug === undefined ? {} : { plantedBug }
  const sim = new RaftSim({ seed, steps, profile, ...bug })
  let failure: string | undefined
  try {
    for (let i = 0; i < steps; i++) sim.step()
    sim.checkLiveness()
  } catch (error) {
    failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  }
  sim.stats.checks = sim.checker.checks
  return {
    seed,
    steps,
    ok: failure === undefined,
    ...(failure === undefined ? {} : { failure }),
    traceHash: sim.traceHash,
    shape: sim.shape,
    stats: sim.stats,
    replay: replayCommand(seed, steps, plantedBug, profile),
  }
}
