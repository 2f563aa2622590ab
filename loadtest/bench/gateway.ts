/**
 * `npm run bench -- gateway [--quick]` (issue 5, "Benchmark"): closed-loop clients on loopback
 * against a real 3-node cluster through two gateway processes, one with coalescing on and one
 * with SHOAL_COALESCING=off, and a bare node:http hello-world as the ceiling, all in one run.
 * Workloads: one hot key, Zipf(0.99) over N keys, uniform over N keys; strong and eventual
 * (max staleness 1 s) reads. One JSON line per case, then a summary line with the ratios the
 * issue's targets are stated in.
 *
 * Keys: only the `preload` most popular ranks are written first (quick: 1k of 10k; full: 20k
 * of 100k), so part of the Zipf tail and most uniform reads answer 404 — still a full backend
 * read each (the line's `notFoundShare` says how many). Backend reads per client read come
 * from X-Shoal-Coalesced (share of reads answered with role `leader`) until /metrics exists.
 * CPUs (runner/cpu-pinning.ts): the server under test (a gateway or the hello-world) is pinned
 * alone to one core; the load generator (raw keep-alive sockets, runner/http-target.ts) and
 * the storage nodes share the other, as in the issue's reference set-up. Other work on the
 * machine still shares both cores: compare the lines of one run with each other. Each line also
 * has the server process's CPU per request (`serverCpuUsPerRequest`, from /proc), which other
 * work does not change much; the summary's `...ByCpu` ratio compares capacities with it.
 */
import { loadavg } from 'node:os'
import { SeededPrng } from '../../shared/random/prng.ts'
import { SystemClock } from '../../shared/time/clock.ts'
import { stop, type Spawned } from '../../test/harness/processes.ts'
import { Scenario } from '../scenarios/scenario.ts'
import { runClosedLoop } from '../runner/closed-loop.ts'
import { HttpTarget } from '../runner/http-target.ts'
import { LocalCluster, ensureTable, preloadKeys } from '../runner/local-cluster.ts'
import { OperationSource, type OperationResult } from '../runner/operations.ts'
import { loadFigures, type LoadFigures } from '../runner/load-figures.ts'
import type { RunSummary } from '../runner/recorder.ts'
import { cpuUsPerRequest, processCpuMs } from '../runner/process-cpu.ts'
import { cpuPlan, describePlan, pinProcess } from '../runner/cpu-pinning.ts'
import { warmUpServer } from '../runner/warm-up.ts'
import { helloWorldRequest, startHelloWorld } from './hello-world.ts'

type Workload = 'hot' | 'zipf' | 'uniform'
type Consistency = 'strong' | 'eventual'

interface BenchSize {
  readonly clients: number
  readonly keys: number
  readonly preload: number
  readonly warmupSec: number
  readonly durationSec: number
  /** Hot-key load per consistency run against each gateway process once, before any case. */
  readonly processWarmupSec: number
}

const sizes: Record<'quick' | 'full', BenchSize> = {
  quick: {
    clients: 256,
    keys: 10_000,
    preload: 1_000,
    warmupSec: 0.5,
    durationSec: 1.5,
    processWarmupSec: 1,
  },
  full: {
    clients: 256,
    keys: 100_000,
    preload: 20_000,
    warmupSec: 2,
    durationSec: 10,
    processWarmupSec: 3,
  },
}

const workloads: readonly Workload[] = ['hot', 'zipf', 'uniform']
const consistencies: readonly Consistency[] = ['strong', 'eventual']
/** Staleness eventual reads accept (issue 9's Zipf target is stated at 1 s). */
const eventualStalenessMs = 1_000

export interface GatewayBenchLine extends LoadFigures {
  readonly bench: 'gateway'
  readonly workload: Workload | 'hello-world'
  readonly consistency: Consistency | null
  readonly coalescing: boolean | null
  readonly clients: number
  readonly notFoundShare: number | null
  readonly backendReadsPerClientRead: number | null
  /** The server process's CPU (user + system) per request over the measured phase. */
  readonly serverCpuUsPerRequest: number | null
  /** The load generator's (this process's) CPU per request: near 1 core, it was the limit. */
  readonly clientCpuUsPerRequest: number | null
}

function scenarioFor(workload: Workload, consistency: Consistency, size: BenchSize): Scenario {
  return Scenario.parse({
    name: `bench-${workload}-${consistency}`,
    description: 'gateway bench case',
    ratePerSec: 1,
    durationSec: size.durationSec,
    maxInFlight: size.clients,
    table: 'bench',
    keyPrefix: 'b',
    keys:
      workload === 'hot'
        ? { kind: 'hot', key: 'hot' }
        : workload === 'zipf'
          ? { kind: 'zipf', s: 0.99, keys: size.keys }
          : { kind: 'uniform', keys: size.keys },
    mix: { read: 1, write: 0, multiGet: 0, cas: 0 },
    consistency,
    ...(consistency === 'eventual' ? { maxStalenessMs: eventualStalenessMs } : {}),
    multiGetKeys: 1,
    valueBytes: 128,
    preload: size.preload,
    thresholds: { p99Ms: 20, errorRate: 0 },
  })
}

function lineOf(
  base: Pick<GatewayBenchLine, 'workload' | 'consistency' | 'coalescing' | 'clients'>,
  measured: Measured,
): GatewayBenchLine {
  const summary = measured.summary
  const reads = Object.values(summary.readRoles).reduce((a, b) => a + b, 0)
  return {
    bench: 'gateway',
    ...base,
    ...loadFigures(summary),
    notFoundShare: reads === 0 ? null : summary.notFoundReads / reads,
    backendReadsPerClientRead: summary.backendReadsPerClientRead,
    serverCpuUsPerRequest: measured.serverCpuUsPerRequest,
    clientCpuUsPerRequest: measured.clientCpuUsPerRequest,
  }
}

interface Measured {
  readonly summary: RunSummary
  readonly serverCpuUsPerRequest: number | null
  readonly clientCpuUsPerRequest: number | null
}

/** A warm-up, then the measured closed loop, with the server's CPU time over the latter. */
async function measure(
  url: string,
  size: BenchSize,
  serverPid: number,
  issueOf: (target: HttpTarget) => () => Promise<OperationResult>,
): Promise<Measured> {
  const clock = new SystemClock()
  const target = new HttpTarget(url, { sockets: size.clients })
  const issue = issueOf(target)
  const env = { nowMs: () => clock.monotonicMs() }
  const loop = (durationSec: number): ReturnType<typeof runClosedLoop> =>
    runClosedLoop({ clients: size.clients, warmupSec: 0, durationSec }, env, issue)
  try {
    await loop(size.warmupSec)
    const cpuBeforeMs = processCpuMs(serverPid)
    const clientBefore = process.cpuUsage()
    const { recorder, elapsedSec } = await loop(size.durationSec)
    const summary = recorder.summary(elapsedSec)
    const cpuAfterMs = processCpuMs(serverPid)
    const client = process.cpuUsage(clientBefore)
    return {
      summary,
      serverCpuUsPerRequest: cpuUsPerRequest(cpuBeforeMs, cpuAfterMs, summary.completed),
      clientCpuUsPerRequest: cpuUsPerRequest(
        0,
        (client.user + client.system) / 1_000,
        summary.completed,
      ),
    }
  } finally {
    target.close()
  }
}

function emit(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n')
}

export async function runGatewayBench(options: { quick: boolean }): Promise<void> {
  const size = sizes[options.quick ? 'quick' : 'full']
  const plan = cpuPlan()
  // The storage nodes inherit the load generator's CPU; each server under test gets the other.
  if (plan !== null) pinProcess(process.pid, plan.load)
  const cluster = await LocalCluster.start()
  let hello: { url: string; process: Spawned } | null = null
  try {
    const on = await cluster.startGateway({ coalescing: true })
    const off = await cluster.startGateway({ coalescing: false })
    if (plan !== null) for (const g of [on, off]) pinProcess(g.process.pid, plan.server)
    hello = await startHelloWorld(plan)
    await ensureTable(on.url, 'bench')
    await preloadKeys(on.url, scenarioFor('hot', 'strong', size), 1)
    await preloadKeys(on.url, scenarioFor('zipf', 'strong', size), size.preload)
    const hotScenarios = consistencies.map((c) => scenarioFor('hot', c, size))
    const warmUp = { clients: size.clients, seconds: size.processWarmupSec }
    for (const gateway of [on, off]) await warmUpServer(gateway.url, hotScenarios, warmUp)
    const lines: GatewayBenchLine[] = []
    const helloSummary = await measure(
      hello.url,
      size,
      hello.process.pid,
      (target) => () => helloWorldRequest(target),
    )
    lines.push(
      lineOf(
        { workload: 'hello-world', consistency: null, coalescing: null, clients: size.clients },
        helloSummary,
      ),
    )
    emit(lines.at(-1)!)
    let seed = 1
    for (const workload of workloads) {
      for (const consistency of consistencies) {
        for (const gateway of [on, off]) {
          const scenario = scenarioFor(workload, consistency, size)
          const source = new OperationSource(scenario, new SeededPrng(seed++))
          const summary = await measure(
            gateway.url,
            size,
            gateway.process.pid,
            (target) => () => source.next().run(target),
          )
          lines.push(
            lineOf(
              { workload, consistency, coalescing: gateway === on, clients: size.clients },
              summary,
            ),
          )
          emit(lines.at(-1)!)
        }
      }
    }
    emit({ ...summaryLine(lines), pinning: describePlan(plan), loadAverage: loadavg() })
  } finally {
    if (hello !== null) await stop(hello.process)
    await cluster.close()
  }
}

/** The ratios issue 5's targets are stated in, computed from this run's lines. */
export function summaryLine(lines: readonly GatewayBenchLine[]): object {
  const find = (workload: string, consistency: string | null, coalescing: boolean | null) =>
    lines.find(
      (l) =>
        l.workload === workload && l.consistency === consistency && l.coalescing === coalescing,
    )
  const hello = find('hello-world', null, null)
  const hotStrong = find('hot', 'strong', true)
  const hotEventual = find('hot', 'eventual', true)
  const ratio = (a: number | undefined, b: number | undefined): number | null =>
    a === undefined || b === undefined || b === 0 ? null : Math.round((a / b) * 1_000) / 1_000
  return {
    bench: 'gateway',
    summary: true,
    hotStrongClientReadsPerBackendRead:
      hotStrong?.backendReadsPerClientRead == null
        ? null
        : ratio(1, hotStrong.backendReadsPerClientRead),
    hotStrongP99Us: hotStrong?.p99Us ?? null,
    hotEventualShareOfHelloWorld: ratio(hotEventual?.reqPerSec, hello?.reqPerSec),
    // The same share from CPU per request: what each would serve with the core to itself.
    hotEventualShareOfHelloWorldByCpu: ratio(
      hello?.serverCpuUsPerRequest ?? undefined,
      hotEventual?.serverCpuUsPerRequest ?? undefined,
    ),
    zipfOverUniformP99Strong: ratio(
      find('zipf', 'strong', true)?.p99Us,
      find('uniform', 'strong', true)?.p99Us,
    ),
    zipfOverUniformP99Eventual: ratio(
      find('zipf', 'eventual', true)?.p99Us,
      find('uniform', 'eventual', true)?.p99Us,
    ),
    targets:
      'hot strong ≥ 100 client reads per backend read with p99 ≤ 20 ms; eventual hot ' +
      '≥ 0.6 of hello-world req/s; Zipf p99 ≤ 2 × uniform p99',
  }
}
