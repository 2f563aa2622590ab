/**
 * The hello-world ceiling both HTTP benches measure beside their servers: a bare node:http
 * process (hello-world-server.ts) started on a free port and pinned like a server under test,
 * and the one request the load generator sends it.
 */
import { freePort, spawnTs, waitFor, type Spawned } from '../../test/harness/processes.ts'
import { pinProcess, type CpuPlan } from '../runner/cpu-pinning.ts'
import type { HttpTarget } from '../runner/http-target.ts'
import type { OperationResult } from '../runner/operations.ts'

const helloResult: OperationResult = {
  kind: 'read',
  ok: true,
  label: '200',
  role: null,
  notFound: false,
  conflict: false,
}

/** Starts the hello-world server, waits until it listens and pins it as a server under test. */
export async function startHelloWorld(
  plan: CpuPlan | null,
): Promise<{ url: string; process: Spawned }> {
  const port = await freePort()
  const spawned = spawnTs('loadtest/bench/hello-world-server.ts', [String(port)])
  await waitFor('hello-world listening', () => spawned.output().includes('listening'), {
    timeoutMs: 20_000,
    intervalMs: 20,
  })
  if (plan !== null) pinProcess(spawned.pid, plan.server)
  return { url: `http://127.0.0.1:${port}`, process: spawned }
}

/** One hello-world request as a load operation: ok on 200, labelled by its failure otherwise. */
export async function helloWorldRequest(target: HttpTarget): Promise<OperationResult> {
  const outcome = await target.call({ method: 'GET', path: '/' })
  return outcome.status === 200
    ? helloResult
    : { ...helloResult, ok: false, label: outcome.failure ?? String(outcome.status) }
}
