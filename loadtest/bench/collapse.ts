/**
 * `npm run bench -- collapse [--quick]` (issue 9): Shoal against the request collapsers people
 * use today, in one run, on one real local cluster (3 storage node processes):
 *   - shoal: the Shoal gateway with coalescing on, strong and eventual (max staleness 1 s) reads;
 *   - varnish: Varnish (TTL 1 s, default request coalescing) and
 *   - nginx: nginx with proxy_cache_lock (cache on tmpfs, valid 1 s), each in front of a second
 *     gateway with SHOAL_COALESCING=off, so all three reach storage by the same backend path.
 * Loads: one hot key and Zipf(0.99) over the key space, closed loop on `clients` keep-alive
 * connections (like wrk; the issue's targets are stated at 256). Backend calls per client
 * request: for Shoal the coalescing gateway's shoal_backend_reads_total delta, for the peers the
 * coalescing-off gateway's GET item request count delta, each over the measured phase only.
 * Then the stale-after-ack probe per system. One JSON line per case and per probe, a line with
 * the target verdicts, and an HTML results page in test-artifacts/ whose path is printed.
 * Every process it starts is stopped by pid at the end, on error and on SIGINT/SIGTERM.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { plainKeyPath } from '../../gateway/routes/items.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { SystemClock } from '../../shared/time/clock.ts'
import { repoRoot, stop, type Spawned } from '../../test/harness/processes.ts'
import {
  parsePrometheusText,
  sampleSum,
} from '../../shared/metrics/parse-prometheus.test-helper.ts'
import {
  ensurePeerBinary,
  startNginx,
  startVarnish,
  type PeerServer,
} from '../peers/peer-servers.ts'
import { runClosedLoop } from '../runner/closed-loop.ts'
import { cpuPlan, describePlan, pinProcess, type CpuPlan } from '../runner/cpu-pinning.ts'
import { HttpTarget } from '../runner/http-target.ts'
import {
  LocalCluster,
  ensureTable,
  preloadKeys,
  type LocalGateway,
} from '../runner/local-cluster.ts'
import { OperationSource, type OperationResult } from '../runner/operations.ts'
import type { RunSummary } from '../runner/recorder.ts'
import { loadFigures } from '../runner/load-figures.ts'
import { cpuUsPerRequest, processTreeCpuMs } from '../runner/process-cpu.ts'
import { Scenario } from '../scenarios/scenario.ts'
import { collapsePage, type CollapseRun } from './collapse-page.ts'
import {
  collapseTargets,
  type CollapseConsistency,
  type CollapseLine,
  type CollapseSystem,
  type CollapseWorkload,
  type CeilingLine,
  type LoadAverage,
  type ProbeLine,
} from './collapse-lines.ts'
import { warmUpServer } from '../runner/warm-up.ts'
import { probeStaleAfterAck } from './collapse-probe.ts'
import { helloWorldRequest, startHelloWorld } from './hello-world.ts'

interface CollapseSize {
  readonly clients: number
  readonly keys: number
  readonly warmupSec: number
  readonly durationSec: number
  /** Hot-key load run against each system once, before any case (runner/warm-up.ts). */
  readonly processWarmupSec: number
  readonly probeRounds: number
}

// Every key of the Zipf space is preloaded: Shoal does not cache absence, the peers do, so
// reads of never-written keys would compare different things. Preloading is the slow part of
// the quick run on a loaded machine, hence its small key space.
const sizes: Record<'quick' | 'full', CollapseSize> = {
  quick: {
    clients: 256,
    keys: 2_000,
    warmupSec: 0.5,
    durationSec: 2,
    processWarmupSec: 1,
    probeRounds: 20,
  },
  full: {
    clients: 256,
    keys: 50_000,
    warmupSec: 2,
    durationSec: 10,
    processWarmupSec: 3,
    probeRounds: 200,
  },
}

/** Writes in flight while preloading (more lets the nodes batch more writes per fsync). */
const preloadConcurrency = 128
const table = 'collapse'
const workloads: readonly CollapseWorkload[] = ['hot', 'zipf']
/** Staleness eventual reads accept: the peers' TTL, so both sides may be 1 s behind. */
const eventualStalenessMs = 1_000

/** One system as the bench drives it. */
interface Subject {
  readonly system: CollapseSystem
  readonly consistency: CollapseConsistency
  readonly url: string
  /** Backend reads so far, from the /metrics of the gateway that reaches storage. */
  readonly backendCalls: () => Promise<number>
  /** The server under test (Shoal's gateway, varnishd, nginx's master): its process tree's CPU. */
  readonly pid: number
}

function scenarioFor(workload: CollapseWorkload, subject: Subject, size: CollapseSize): Scenario {
  const eventual = subject.consistency === 'eventual'
  return Scenario.parse({
    name: `collapse-${workload}-${subject.system}-${subject.consistency}`,
    description: 'collapse bench case',
    ratePerSec: 1,
    durationSec: size.durationSec,
    maxInFlight: size.clients,
    table,
    keyPrefix: 'c',
    keys:
      workload === 'hot' ? { kind: 'hot', key: 'hot' } : { kind: 'zipf', s: 0.99, keys: size.keys },
    mix: { read: 1, write: 0, multiGet: 0, cas: 0 },
    // The peers forward ?consistency=strong: their upstream reads storage every time.
    consistency: eventual ? 'eventual' : 'strong',
    ...(eventual ? { maxStalenessMs: eventualStalenessMs } : {}),
    multiGetKeys: 1,
    valueBytes: 128,
    preload: size.keys,
    thresholds: { p99Ms: 20, errorRate: 0 },
  })
}

function loadAverage(): LoadAverage {
  const [one, five, fifteen] = loadavg()
  const r = (x: number | undefined): number => Math.round((x ?? 0) * 100) / 100
  // The machine's cores (availableParallelism() would be this pinned process's one CPU).
  return { loadAverage: [r(one), r(five), r(fifteen)], cores: cpus().length }
}

async function scrape(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const response = await fetch(`${url}/metrics`)
  if (response.status !== 200) throw new Error(`${url}/metrics answered ${response.status}`)
  return sampleSum(parsePrometheusText(await response.text()), name, labels)
}

type Issue = () => Promise<OperationResult>

/**
 * A warm-up, then the measured closed loop between two reads of the backend counter and of the
 * server's CPU time (µs per request; null without /proc).
 */
async function closedLoop(
  url: string,
  size: CollapseSize,
  issueOf: (target: HttpTarget) => Issue,
  backendCalls: () => Promise<number>,
  serverPid: number,
): Promise<{ summary: RunSummary; backendCalls: number; serverCpuUs: number | null }> {
  const clock = new SystemClock()
  const env = { nowMs: () => clock.monotonicMs() }
  const target = new HttpTarget(url, { sockets: size.clients })
  const issue = issueOf(target)
  const loop = (durationSec: number): ReturnType<typeof runClosedLoop> =>
    runClosedLoop({ clients: size.clients, warmupSec: 0, durationSec }, env, issue)
  try {
    await loop(size.warmupSec)
    const before = await backendCalls()
    const cpuBefore = processTreeCpuMs(serverPid)
    const { recorder, elapsedSec } = await loop(size.durationSec)
    const cpuAfter = processTreeCpuMs(serverPid)
    const after = await backendCalls()
    const summary = recorder.summary(elapsedSec)
    const serverCpuUs = cpuUsPerRequest(cpuBefore, cpuAfter, summary.completed)
    return { summary, backendCalls: after - before, serverCpuUs }
  } finally {
    target.close()
  }
}

type Figures = Omit<CeilingLine, 'bench' | 'ceiling' | 'clients' | 'serverCpuUsPerRequest'>

function figuresOf(summary: RunSummary): Figures {
  return { ...loadFigures(summary), ...loadAverage() }
}

async function measure(
  subject: Subject,
  workload: CollapseWorkload,
  size: CollapseSize,
  seed: number,
): Promise<CollapseRun> {
  const source = new OperationSource(scenarioFor(workload, subject, size), new SeededPrng(seed))
  const { summary, backendCalls, serverCpuUs } = await closedLoop(
    subject.url,
    size,
    (target) => () => source.next().run(target),
    subject.backendCalls,
    subject.pid,
  )
  const line: CollapseLine = {
    bench: 'collapse',
    system: subject.system,
    workload,
    consistency: subject.consistency,
    clients: size.clients,
    ...figuresOf(summary),
    readRoles: subject.system === 'shoal' ? summary.readRoles : null,
    serverCpuUsPerRequest: serverCpuUs,
    backendCallsPerRequest:
      summary.completed === 0
        ? 0
        : Math.round((backendCalls / summary.completed) * 10_000) / 10_000,
  }
  return { line, curve: summary.latency.curve }
}

/** What one Node process answers at this concurrency on this machine now: a bare node:http. */
async function measureCeiling(
  processes: Processes,
  size: CollapseSize,
  plan: CpuPlan | null,
): Promise<CeilingLine> {
  const hello = await startHelloWorld(plan)
  processes.others.push(hello.process)
  const { summary, serverCpuUs } = await closedLoop(
    hello.url,
    size,
    (target) => () => helloWorldRequest(target),
    () => Promise.resolve(0),
    hello.process.pid,
  )
  await stop(hello.process)
  return {
    bench: 'collapse',
    ceiling: 'node-hello-world',
    clients: size.clients,
    ...figuresOf(summary),
    serverCpuUsPerRequest: serverCpuUs,
  }
}

function emit(line: object): void {
  process.stdout.write(JSON.stringify(line) + '\n')
}

function log(text: string): void {
  process.stderr.write(`collapse: ${text}\n`)
}

function subjectsOf(on: LocalGateway, off: LocalGateway, peers: readonly PeerServer[]): Subject[] {
  const shoalBackend = (): Promise<number> => scrape(on.url, 'shoal_backend_reads_total', {})
  const offRequests = (): Promise<number> =>
    scrape(off.url, 'http_server_request_duration_seconds_count', {
      http_route: plainKeyPath,
      http_request_method: 'GET',
    })
  return [
    {
      system: 'shoal',
      consistency: 'strong',
      url: on.url,
      backendCalls: shoalBackend,
      pid: on.process.pid,
    },
    {
      system: 'shoal',
      consistency: 'eventual',
      url: on.url,
      backendCalls: shoalBackend,
      pid: on.process.pid,
    },
    ...peers.map((peer): Subject => ({
      system: peer.name,
      consistency: 'ttl-1s',
      url: peer.url,
      backendCalls: offRequests,
      pid: peer.process.pid,
    })),
  ]
}

async function probeAll(
  subjects: readonly Subject[],
  writeUrl: string,
  size: CollapseSize,
): Promise<ProbeLine[]> {
  const probes: ProbeLine[] = []
  for (const subject of subjects) {
    const readQuery =
      subject.consistency === 'eventual'
        ? `?consistency=eventual&maxStalenessMs=${eventualStalenessMs}`
        : '?consistency=strong'
    const counts = await probeStaleAfterAck(
      { readUrl: subject.url, readQuery, key: `probe-${subject.system}-${subject.consistency}` },
      { writeUrl, table, rounds: size.probeRounds },
    )
    probes.push({
      bench: 'collapse',
      system: subject.system,
      consistency: subject.consistency,
      ...counts,
      ...loadAverage(),
    })
  }
  return probes
}

/** Everything the bench started, stopped by pid (peers first: they sit on the gateways). */
class Processes {
  cluster: LocalCluster | null = null
  readonly peers: PeerServer[] = []
  readonly others: Spawned[] = []

  /** The last output of every gateway, for a bench that failed. */
  gatewayOutput(): string {
    return (this.cluster?.gateways ?? [])
      .map(
        (g) => `--- gateway ${g.url} (pid ${g.process.pid}):\n${g.process.output().slice(-3000)}`,
      )
      .join('\n')
  }

  async close(): Promise<void> {
    const peers = this.peers.splice(0)
    await Promise.allSettled(peers.map((peer) => peer.close()))
    await Promise.allSettled(this.others.splice(0).map((spawned) => stop(spawned)))
    const cluster = this.cluster
    this.cluster = null
    await cluster?.close()
  }
}

/**
 * Starts the cluster, the gateways and the peers. With a CPU plan, Shoal's gateway and the two
 * peers (the systems compared) get the server CPU; the nodes and the peers' coalescing-off
 * upstream gateway (their backend path) stay on the load generator's.
 */
async function startAll(
  processes: Processes,
  plan: CpuPlan | null,
): Promise<{ subjects: Subject[]; on: LocalGateway; off: LocalGateway }> {
  const varnishd = ensurePeerBinary('varnish', log)
  const nginx = ensurePeerBinary('nginx', log)
  log(
    `starting a 3-node cluster and two gateways (coalescing on / off); pinning: ${
      describePlan(plan) ?? 'off'
    }`,
  )
  if (plan !== null) pinProcess(process.pid, plan.load)
  processes.cluster = await LocalCluster.start()
  const on = await processes.cluster.startGateway({ coalescing: true })
  const off = await processes.cluster.startGateway({ coalescing: false })
  if (plan !== null) pinProcess(on.process.pid, plan.server)
  const placement = { cpu: plan?.server ?? null }
  processes.peers.push(await startVarnish(off.url, varnishd, placement))
  processes.peers.push(await startNginx(off.url, nginx, placement))
  log(
    `shoal ${on.url}; coalescing off ${off.url}; ` +
      processes.peers.map((p) => `${p.name} ${p.url}`).join('; '),
  )
  return { subjects: subjectsOf(on, off, processes.peers), on, off }
}

export async function runCollapseBench(options: { quick: boolean }): Promise<void> {
  const size = sizes[options.quick ? 'quick' : 'full']
  const startedAt = new Date().toISOString()
  const processes = new Processes()
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping the processes this bench started`)
    void processes.close().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const plan = cpuPlan()
    const { subjects, on } = await startAll(processes, plan)
    await ensureTable(on.url, table)
    const preloadStartMs = Date.now()
    await preloadKeys(on.url, scenarioFor('hot', subjects[0]!, size), 1)
    await preloadKeys(
      on.url,
      scenarioFor('zipf', subjects[0]!, size),
      size.keys,
      preloadConcurrency,
    )
    log(`preloaded ${size.keys} keys in ${((Date.now() - preloadStartMs) / 1_000).toFixed(1)} s`)
    const warmUp = { clients: size.clients, seconds: size.processWarmupSec }
    for (const subject of subjects) {
      await warmUpServer(subject.url, [scenarioFor('hot', subject, size)], warmUp)
    }
    const runs: CollapseRun[] = []
    let seed = 1
    for (const workload of workloads) {
      for (const subject of subjects) {
        runs.push(await measure(subject, workload, size, seed++))
        emit(runs.at(-1)!.line)
      }
    }
    const ceiling = await measureCeiling(processes, size, plan)
    emit(ceiling)
    const probes = await probeAll(subjects, on.url, size)
    for (const probe of probes) emit(probe)
    const targets = collapseTargets(
      runs.map((r) => r.line),
      probes,
    )
    emit({ bench: 'collapse', summary: true, targets, pinning: describePlan(plan) })
    const dir = join(repoRoot, 'test-artifacts')
    mkdirSync(dir, { recursive: true })
    const path = join(dir, `collapse-${startedAt.replace(/[:.]/g, '-')}.html`)
    writeFileSync(
      path,
      collapsePage({
        title: 'Shoal vs Varnish vs nginx: request collapsing',
        startedAt,
        runs,
        probes,
        targets,
        ceiling,
      }),
    )
    process.stdout.write(`results page: ${path}\n`)
  } catch (error) {
    log(`failed; gateway output follows\n${processes.gatewayOutput()}`)
    throw error
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    await processes.close()
  }
}
