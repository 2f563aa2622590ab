/**
 * Cluster benchmark: `npm run bench -- cluster [--quick]` (or `npx tsx loadtest/bench/cluster.ts`).
 *
 * In one run, one system after the other on the same machine: Shoal's three storage nodes (real
 * processes, fsync on, majority durability) and a three-member etcd cluster (Debian
 * etcd-server, fsync on; installed with apt-get when missing). Same workloads for both, each
 * closed-loop at concurrency 1, 16 and 64 for a fixed time with 100-byte values: puts, strong
 * gets (etcd: linearizable range) and eventual gets (etcd: serializable range). Then leader
 * failover: 16 writers run, the leader (Shoal: of shard 0) is SIGKILLed, and we report the time
 * to the first acknowledged write sent after the kill, the longest wait of a request in flight
 * at the kill, and how many requests waited past their deadline.
 *
 * Shoal's nodes share this machine's cores, so its cluster file sets `leaderPreference: [n1, n2,
 * n3]` (as `npm start`'s does): every shard's leader gathers on n1 before the measurements, the
 * layout etcd's single Raft group has too. One more line measures puts at 64 with the leaders
 * where elections put them (spread over the three nodes): "leaders":"elected".
 *
 * Client paths: Shoal through its node RPC straight to each shard's leader (a leader cache, as
 * the gateway keeps, following not-leader hints); etcd through its JSON gateway over HTTP/1.1
 * keep-alive, requests spread round-robin over the live members (as clientv3 balances).
 * Output: JSON lines with "system":"shoal"|"etcd", "op", "concurrency", then a comparison line.
 * `--profile <dir>`: Shoal puts at concurrency 64 only, nodes under `node --cpu-prof`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'
import { raftStatsMethod } from '../../storage/node/dispatch.ts'
import { EtcdCluster, ensureEtcdBinary } from '../peers/etcd-cluster.ts'
import { EtcdRequestError, etcdClientPath } from '../peers/etcd-client.ts'
import {
  compare,
  failoverFigures,
  summarize,
  type FailoverLine,
  type LoadLine,
  type LoadOp,
  type SystemName,
} from './etcd-compare.ts'

const encoder = new TextEncoder()
const table = 'bench'
const value = new Uint8Array(100).fill(0x61)
const concurrencies = [1, 16, 64] as const
const ops: readonly LoadOp[] = ['put', 'get-strong', 'get-eventual']
/** Every request's deadline, both systems (etcd gets it as Grpc-Timeout). */
const requestBudgetMs = 5_000
/** Writers during failover, and how long they run before the kill. */
const failoverWriters = 16
const failoverLeadInMs = 500
/** Give-up for the first write after the kill (past any sane election). */
const failoverGiveUpMs = 15_000
/** A failed writer waits this long before sending again (no hot spin on a dead member). */
const retryPauseMs = 10
/** Unrecorded load before the first measurement of each system (JIT, connections, caches). */
const warmupMs = 500
/** Sampling interval of `--profile` (µs): fine enough for a 10 s run, small files. */
const profileSampleUs = 200
/** Linux USER_HZ, the unit of utime/stime in /proc/<pid>/stat. */
const clockTicksPerSecond = 100
/** Set by SIGINT: load loops stop sending and nothing more is printed. */
const interruption = { requested: false }
/** The Shoal cluster's leader preference (see above) and how long leaders may take to gather. */
const leaderPreference = ['n1', 'n2', 'n3'] as const
const leadersGatherMs = 15_000

interface BenchTarget {
  /** The server processes measured (their CPU time is reported per operation). */
  pids(): number[]
  readonly system: SystemName
  readonly client: string
  put(key: string, budgetMs: number): Promise<void>
  get(key: string, strong: boolean, budgetMs: number): Promise<void>
  /** Keys for the failover writers and a function that SIGKILLs the right leader. */
  failoverPlan(): Promise<{ keys: string[]; kill: () => Promise<string> }>
}

class ShoalTarget implements BenchTarget {
  readonly system = 'shoal'
  readonly client = 'shoal-node-rpc-to-leader'
  readonly #c: ClusterFixture
  readonly #leaders = new Map<number, string>()

  constructor(c: ClusterFixture) {
    this.#c = c
  }

  get fixture(): ClusterFixture {
    return this.#c
  }

  pids(): number[] {
    return this.#c.alive().map((n) => n.process!.pid)
  }

  async put(key: string, budgetMs: number, durability = 'majority'): Promise<void> {
    const extra = { value, contentType: 'application/octet-stream', durability }
    await this.#call(key, StorageMethod.put, extra, budgetMs)
  }

  async get(key: string, strong: boolean, budgetMs: number): Promise<void> {
    await this.#call(
      key,
      StorageMethod.get,
      { consistency: strong ? 'strong' : 'eventual' },
      budgetMs,
    )
  }

  async failoverPlan(): Promise<{ keys: string[]; kill: () => Promise<string> }> {
    const keys: string[] = []
    for (let i = 0; keys.length < failoverWriters; i++) {
      if (this.#c.shardOf(table, encoder.encode(`f${i}`)) === 0) keys.push(`f${i}`)
    }
    const leader = await this.#c.leaderOf(0)
    if (leader === null) throw new Error('shoal: no leader for shard 0')
    return {
      keys,
      kill: async () => {
        await this.#c.kill(leader, 'SIGKILL')
        return leader
      },
    }
  }

  /** To the shard's cached leader; one retry on the not-leader hint; forget on failure. */
  async #call(key: string, method: string, extra: object, budgetMs: number): Promise<void> {
    const partitionKey = encoder.encode(key)
    const shard = this.#c.shardOf(table, partitionKey)
    const params = { shard, table, partitionKey, sortKey: new Uint8Array(0), ...extra }
    const target = this.#leaders.get(shard) ?? this.#c.alive()[0]!.id
    try {
      const answer = (await this.#c.call(target, method, params, budgetMs)) as {
        kind: string
        leaderHint?: string | null
      }
      if (answer.kind !== 'not-leader') return
      this.#leaders.delete(shard)
      const hint = answer.leaderHint ?? (await this.#c.leaderOf(shard))
      if (hint === null || this.#c.node(hint).process === null) {
        throw new Error(`shard ${shard}: no leader`)
      }
      this.#leaders.set(shard, hint)
      const again = (await this.#c.call(hint, method, params, budgetMs)) as { kind: string }
      if (again.kind === 'not-leader') throw new Error(`shard ${shard}: leader moved`)
    } catch (error) {
      this.#leaders.delete(shard)
      throw error
    }
  }
}

class EtcdTarget implements BenchTarget {
  readonly system = 'etcd'
  readonly client = etcdClientPath
  readonly #e: EtcdCluster
  #endpoints: string[]
  #next = 0

  constructor(e: EtcdCluster) {
    this.#e = e
    this.#endpoints = e.urls()
  }

  pids(): number[] {
    return this.#e.pids()
  }

  async put(key: string, budgetMs: number): Promise<void> {
    await this.#send((url) => this.#e.client.put(url, key, value, budgetMs))
  }

  async get(key: string, strong: boolean, budgetMs: number): Promise<void> {
    await this.#send((url) => this.#e.client.range(url, key, !strong, budgetMs))
  }

  async failoverPlan(): Promise<{ keys: string[]; kill: () => Promise<string> }> {
    const leader = await this.#e.leader()
    if (leader === null) throw new Error('etcd: no leader')
    const keys = Array.from({ length: failoverWriters }, (_, i) => `f${i}`)
    return {
      keys,
      kill: async () => {
        await this.#e.kill(leader, 'SIGKILL')
        return leader
      },
    }
  }

  /** Round-robin over live endpoints; one that refuses a connection leaves the rotation. */
  async #send(call: (url: string) => Promise<unknown>): Promise<void> {
    const url = this.#endpoints[this.#next++ % this.#endpoints.length]!
    try {
      await call(url)
    } catch (error) {
      const gone = error instanceof EtcdRequestError && error.kind === 'connection'
      if (gone && this.#endpoints.length > 1) {
        this.#endpoints = this.#endpoints.filter((u) => u !== url)
      }
      throw error
    }
  }
}

function loadAvg1m(): number {
  return Math.round(loadavg()[0]! * 100) / 100
}

/** Closed loop: `concurrency` workers for `durationMs`; keys cycle over `keyCount`. */
async function runLoad(
  t: BenchTarget,
  op: LoadOp,
  concurrency: number,
  durationMs: number,
  keyCount: number,
): Promise<LoadLine> {
  const latenciesUs: number[] = []
  let errors = 0
  let n = 0
  const end = performance.now() + durationMs
  const worker = async (): Promise<void> => {
    while (performance.now() < end && !interruption.requested) {
      const key = `key-${n++ % keyCount}`
      const started = performance.now()
      try {
        if (op === 'put') await t.put(key, requestBudgetMs)
        else await t.get(key, op === 'get-strong', requestBudgetMs)
        latenciesUs.push((performance.now() - started) * 1000)
      } catch {
        errors++
      }
    }
  }
  const pids = t.pids()
  const cpuBefore = sumCpuMs(pids)
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, () => worker()))
  const s = summarize(latenciesUs, performance.now() - started)
  const cpuMsPerOp = Math.round(((sumCpuMs(pids) - cpuBefore) / Math.max(1, s.ops)) * 1e3) / 1e3
  return {
    system: t.system,
    client: t.client,
    op,
    concurrency,
    ops: s.ops,
    opsPerSec: s.opsPerSec,
    p50Us: s.p50Us,
    p99Us: s.p99Us,
    errors,
    cpuMsPerOp,
    loadAvg1m: loadAvg1m(),
  }
}

/** CPU time of the processes still alive (a killed one counts 0 from then on). */
function sumCpuMs(pids: readonly number[]): number {
  let sum = 0
  for (const pid of pids) {
    try {
      sum += cpuMs(pid)
    } catch {
      // Gone since: its CPU is no longer counted.
    }
  }
  return sum
}

/** SIGKILLs the leader under `failoverWriters` writers; see etcd-compare.ts for the figures. */
async function runFailover(t: BenchTarget): Promise<FailoverLine> {
  const plan = await t.failoverPlan()
  const requests: { start: number; end: number; ok: boolean }[] = []
  let killedAt = Infinity
  let firstOk = false
  let stop = false
  const writer = async (key: string): Promise<void> => {
    while (!stop && !interruption.requested) {
      const start = performance.now()
      let ok = true
      try {
        await t.put(key, requestBudgetMs)
      } catch {
        ok = false
      }
      const end = performance.now()
      requests.push({ start, end, ok })
      if (ok && start >= killedAt) firstOk = true
      if (!ok) await sleep(retryPauseMs)
    }
  }
  const writers = plan.keys.map((key) => writer(key))
  await sleep(failoverLeadInMs)
  killedAt = performance.now()
  const killed = await plan.kill()
  const giveUp = killedAt + failoverGiveUpMs
  while (!firstOk && performance.now() < giveUp && !interruption.requested) {
    await sleep(retryPauseMs)
  }
  stop = true
  await Promise.all(writers)
  const f = failoverFigures({ killedAt, requests, deadlineMs: requestBudgetMs })
  return {
    system: t.system,
    client: t.client,
    op: 'failover',
    concurrency: failoverWriters,
    killed,
    ...f,
    deadlineMs: requestBudgetMs,
    loadAvg1m: loadAvg1m(),
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function emit(line: object): void {
  if (interruption.requested) return
  console.log(JSON.stringify(line))
}

/** Warm-up, then every op at every concurrency; gets read the keys the puts wrote. */
async function measure(
  t: BenchTarget,
  durationMs: number,
  loads: LoadLine[],
  failovers: FailoverLine[],
): Promise<void> {
  await runLoad(t, 'put', 16, warmupMs, 1_000)
  let written = 1
  for (const op of ops) {
    for (const concurrency of concurrencies) {
      const line = await runLoad(t, op, concurrency, durationMs, op === 'put' ? 1e9 : written)
      if (op === 'put') written = Math.max(written, line.ops)
      loads.push(line)
      emit(line)
    }
  }
  const f = await runFailover(t)
  failovers.push(f)
  emit(f)
}

/** Closes whatever is running on SIGINT (members and nodes by pid), then exits 130. */
function onInterrupt(closers: Set<() => Promise<void>>): () => void {
  const handler = (): void => {
    interruption.requested = true
    process.stderr.write('cluster bench: interrupted, stopping the clusters it started\n')
    void Promise.allSettled([...closers].map((close) => close())).then(() => process.exit(130))
  }
  process.once('SIGINT', handler)
  return () => process.off('SIGINT', handler)
}

/** Waits (bounded) until the first preferred node leads every group, then reports the layout. */
async function gatherLeaders(c: ClusterFixture): Promise<void> {
  const groups = c.shardCount + 1
  const giveUp = performance.now() + leadersGatherMs
  let counts = await c.groupsLedBy()
  while ((counts[leaderPreference[0]] ?? 0) < groups && performance.now() < giveUp) {
    await sleep(100)
    counts = await c.groupsLedBy()
  }
  emit({ system: 'shoal', leaders: 'preferred', leaderPreference, groupsLedBy: counts })
}

async function withShoal(
  closers: Set<() => Promise<void>>,
  body: (t: ShoalTarget) => Promise<void>,
  leaders: 'preferred' | 'elected' = 'preferred',
): Promise<void> {
  const c = await ClusterFixture.start({ nodes: 3, shardCount: 8,
    ...(leaders === 'preferred' ? { leaderPreference } : {}) })
  const close = (): Promise<void> => c.close()
  closers.add(close)
  try {
    await c.waitForLeaders()
    if (leaders === 'preferred') await gatherLeaders(c)
    await c.createTable(table)
    await body(new ShoalTarget(c))
  } finally {
    closers.delete(close)
    await c.close()
  }
}

async function withEtcd(
  closers: Set<() => Promise<void>>,
  body: (t: EtcdTarget) => Promise<void>,
): Promise<void> {
  const binary = ensureEtcdBinary((line) => emit({ system: 'etcd', note: line }))
  const e = await EtcdCluster.start(binary, 3)
  const close = (): Promise<void> => e.close()
  closers.add(close)
  try {
    emit({
      system: 'etcd',
      binary,
      client: etcdClientPath,
      gatewayPrefix: e.client.prefix,
      members: e.urls().length,
      pids: e.pids(),
      fsync: true,
    })
    await body(new EtcdTarget(e))
  } finally {
    closers.delete(close)
    await e.close()
  }
}

/**
 * A preload for each node process (Node 20 refuses --cpu-prof in NODE_OPTIONS, so --import this):
 * the inspector's sampling profiler from start-up to exit (nodes exit on SIGTERM), written as
 * <dir>/node-<pid>.cpuprofile. Main-thread inspector sessions answer synchronously, which is
 * what lets the 'exit' handler stop the profiler and write the file.
 */
function profilerPreload(dir: string): string {
  return [
    "import { Session } from 'node:inspector'",
    "import { writeFileSync } from 'node:fs'",
    'const session = new Session()',
    'session.connect()',
    "session.post('Profiler.enable')",
    `session.post('Profiler.setSamplingInterval', { interval: ${profileSampleUs} })`,
    "session.post('Profiler.start')",
    "process.on('exit', () => session.post('Profiler.stop', (error, result) => {",
    `  if (!error) writeFileSync(${JSON.stringify(dir)} + '/node-' + process.pid +`,
    "    '.cpuprofile', JSON.stringify(result.profile))",
    '}))',
  ].join('\n')
}

/** User + system CPU time of a process we started, from /proc (ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond
}

type Counters = Record<'cpuMs' | 'turns' | 'appends' | 'messagesSent', number>

/** CPU and host counters summed over the live nodes (node.raftStats). */
async function counters(c: ClusterFixture): Promise<Counters> {
  const sum: Counters = { cpuMs: 0, turns: 0, appends: 0, messagesSent: 0 }
  for (const node of c.alive()) {
    sum.cpuMs += cpuMs(node.process!.pid)
    const st = (await c.call(node.id, raftStatsMethod, {})) as Partial<Counters>
    sum.turns += st.turns ?? 0
    sum.appends += st.appends ?? 0
    sum.messagesSent += st.messagesSent ?? 0
  }
  return sum
}

/** The cost of one put at concurrency 64 and the parts of a lone put's latency. */
async function profilePuts(t: ShoalTarget, durationMs: number): Promise<void> {
  const c = t.fixture
  const rpc: number[] = []
  for (let i = 0; i < 200; i++) {
    const started = performance.now()
    await c.status(c.alive()[i % 3]!.id)
    rpc.push((performance.now() - started) * 1000)
  }
  const r = summarize(rpc, 1)
  emit({ system: 'shoal', op: 'status-rpc', concurrency: 1, p50Us: r.p50Us, p99Us: r.p99Us })
  emit(await runLoad(t, 'get-strong', 1, durationMs / 2, 1_000))
  emit(await runLoad(t, 'put', 1, durationMs / 2, 1e9))
  const fast: number[] = []
  for (let i = 0; i < 300; i++) {
    const started = performance.now()
    await t.put(`key-${i}`, requestBudgetMs, 'fast')
    fast.push((performance.now() - started) * 1000)
  }
  const f = summarize(fast, 1)
  emit({
    system: 'shoal',
    op: 'put-fast-durability',
    concurrency: 1,
    p50Us: f.p50Us,
    p99Us: f.p99Us,
    note: 'acknowledged before fsync and replication',
  })
  const before = await counters(c)
  const line = await runLoad(t, 'put', 64, durationMs, 1e9)
  const after = await counters(c)
  const per = (k: keyof Counters): number =>
    Math.round(((after[k] - before[k]) / Math.max(1, line.ops)) * 1000) / 1000
  emit(line)
  emit({
    system: 'shoal',
    op: 'put-cost',
    concurrency: 64,
    cpuMsPerPut: per('cpuMs'),
    turnsPerPut: per('turns'),
    logAppendsPerPut: per('appends'),
    raftMessagesPerPut: per('messagesSent'),
    nodes: c.alive().length,
  })
}

/** `--profile <dir>`: Shoal puts only, each node process profiled (see above). */
async function runProfile(dir: string, durationMs: number): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const preload = join(dir, 'profile-preload.mjs')
  writeFileSync(preload, profilerPreload(dir))
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`
  const closers = new Set<() => Promise<void>>()
  const detach = onInterrupt(closers)
  try {
    await withShoal(closers, async (t) => {
      await runLoad(t, 'put', 16, warmupMs, 1_000)
      await profilePuts(t, durationMs)
    })
  } finally {
    detach()
    delete process.env.NODE_OPTIONS
  }
  emit({ profiles: dir, note: 'one .cpuprofile per node process (open in Chrome DevTools)' })
}

export async function runClusterBench(options: { quick: boolean }): Promise<void> {
  const durationMs = options.quick ? 1_200 : 10_000
  const profileAt = process.argv.indexOf('--profile')
  if (profileAt >= 0) {
    const dir = process.argv[profileAt + 1]
    if (dir === undefined) throw new Error('--profile needs a directory')
    await runProfile(dir, durationMs)
    return
  }
  emit({
    bench: 'cluster',
    quick: options.quick,
    durationMs,
    valueBytes: value.length,
    procLoadavg: readFileSync('/proc/loadavg', 'utf8').trim(),
  })
  const loads: LoadLine[] = []
  const failovers: FailoverLine[] = []
  const closers = new Set<() => Promise<void>>()
  const detach = onInterrupt(closers)
  try {
    await withShoal(closers, (t) => measure(t, durationMs, loads, failovers))
    await withShoal(closers, async (t) => {
      await runLoad(t, 'put', 16, warmupMs, 1_000)
      const line = await runLoad(t, 'put', 64, durationMs, 1e9)
      emit({ ...line, leaders: 'elected', groupsLedBy: await t.fixture.groupsLedBy() })
    }, 'elected')
    await withEtcd(closers, (t) => measure(t, durationMs, loads, failovers))
  } finally {
    detach()
  }
  emit({
    comparison: 'shoal/etcd at concurrency 64',
    ...compare(loads, failovers),
    procLoadavg: readFileSync('/proc/loadavg', 'utf8').trim(),
  })
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1])) {
  await runClusterBench({ quick: process.argv.includes('--quick') })
}
