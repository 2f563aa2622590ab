/**
 * CPU pinning for the benchmarks (util-linux `taskset`). Issue 5's reference figures were
 * measured with the server under test on one core and the load on the other; unpinned, the
 * scheduler moves the gateway, the load generator and the storage nodes across both cores of
 * this machine, so a server's req/s also measured how much CPU the generator and the nodes
 * took from it. The plan: the server under test (a gateway, the hello-world, Varnish, nginx)
 * alone on `server`; the bench process (the load generator) and everything it starts without
 * pinning (storage nodes, the peers' coalescing-off upstream gateway) on `load`.
 *
 * Off (null plan) with fewer than 2 CPUs, without taskset, or with SHOAL_BENCH_PIN=off; the
 * bench lines then say `pinning: null`.
 */
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'

export interface CpuPlan {
  /** The CPU of the process whose req/s a line reports. */
  readonly server: number
  /** The CPU of the load generator and the backend processes. */
  readonly load: number
}

/** The plan for this machine now (see the file comment), or null when pinning is off. */
export function cpuPlan(): CpuPlan | null {
  if (process.env['SHOAL_BENCH_PIN'] === 'off') return null
  if (availableParallelism() < 2) return null
  const probe = spawnSync('taskset', ['--version'], { stdio: 'ignore' })
  if (probe.error !== undefined || probe.status !== 0) return null
  return { server: 0, load: 1 }
}

/** Pins every thread of a running process (`taskset -a -p`); its later threads inherit it. */
export function pinProcess(pid: number, cpu: number): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], {
    encoding: 'utf8',
  })
  if (result.status !== 0) {
    throw new Error(`taskset -a -p -c ${cpu} ${pid} failed: ${result.stderr ?? result.error}`)
  }
}

/**
 * A command line that starts pinned, for programs that fork workers at start (nginx,
 * varnishd): pinning only the first pid afterwards would miss the forked processes.
 */
export function pinnedCommand(
  cpu: number | null,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  if (cpu === null) return { command, args: [...args] }
  return { command: 'taskset', args: ['-c', String(cpu), command, ...args] }
}

/** The plan as bench lines report it. */
export function describePlan(plan: CpuPlan | null): string | null {
  if (plan === null) return null
  return `server cpu ${plan.server}; load generator and storage nodes cpu ${plan.load}`
}
