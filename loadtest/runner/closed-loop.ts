/**
 * The closed model, for throughput ceilings (the gateway bench): `clients` workers each send a
 * request, wait for its answer, and send the next, like wrk or autocannon with N connections.
 * It measures the most a server answers at that concurrency; its latencies are per request
 * from the actual send (a closed loop cannot see coordinated omission, so tail figures here are
 * service times under load; the open-model runner, run.ts, is the one for tails at a rate).
 * A warm-up of the same load runs first and is not recorded.
 */
import { assert } from '../../shared/assert.ts'
import type { OpenLoopEnv } from './open-loop.ts'
import type { OperationResult } from './operations.ts'
import { Recorder } from './recorder.ts'

export interface ClosedLoopOptions {
  readonly clients: number
  readonly warmupSec: number
  readonly durationSec: number
}

/** Runs the loop; returns the recorder of the measured phase and its elapsed seconds. */
export async function runClosedLoop(
  options: ClosedLoopOptions,
  env: Pick<OpenLoopEnv, 'nowMs'>,
  issue: () => Promise<OperationResult>,
): Promise<{ recorder: Recorder; elapsedSec: number }> {
  assert(options.clients > 0 && options.durationSec > 0, 'clients and duration must be > 0')
  const startMs = env.nowMs()
  const measureFromMs = startMs + options.warmupSec * 1_000
  const endMs = measureFromMs + options.durationSec * 1_000
  const recorder = new Recorder()
  let lastEndMs = measureFromMs
  const worker = async (): Promise<void> => {
    for (;;) {
      const sentMs = env.nowMs()
      if (sentMs >= endMs) return
      const result = await issue()
      const doneMs = env.nowMs()
      if (sentMs >= measureFromMs) {
        recorder.scheduled()
        recorder.record(result, (doneMs - sentMs) * 1_000)
        lastEndMs = Math.max(lastEndMs, doneMs)
      }
    }
  }
  await Promise.all(Array.from({ length: options.clients }, worker))
  return { recorder, elapsedSec: (Math.max(lastEndMs, endMs) - measureFromMs) / 1_000 }
}
