/**
 * One chaos run: start a ChaosCluster (3 nodes behind proxies + gateway), create a table, run
 * the workload and the nemesis together for a duration, heal, read every key, check the
 * history for linearizability, look for lost acknowledged writes, check replica convergence,
 * and write a report (JSON + readable summary) and the history (shoal format) to a directory.
 *
 *   npx tsx test/chaos/run-chaos.ts --seed 7 --duration 60s [--faults kill,partition|none]
 *     [--keys 10] [--clients 10] [--mix 4,3,2,1] [--gateways 1] [--slow-gateway MS (replies
 *     from the nodes to gw0 delayed)]
 *     [--slow-disk MS (every fs call on n3)] [--leader-preference n1,n2,n3]
 *     [--planted-bug join-any-in-flight]
 *
 * Exit code 0 when the run passed, 1 when it found a problem (the summary says which).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { checkHistory } from '../lincheck/check-history.ts'
import { formatShoalHistory } from '../lincheck/history.ts'
import type { Operation } from '../lincheck/operation.ts'
import { repoRoot } from '../harness/processes.ts'
import { ChaosCluster, type ChaosClusterOptions } from './cluster.ts'
import { faultKinds, runNemesis, type FaultKind } from './nemesis.ts'
import { buildReport, summarize, type ChaosReport, type FinalRead } from './report.ts'
import { runWorkload } from './workload.ts'

export interface ChaosOptions {
  readonly seed: number
  readonly durationMs: number
  readonly faults: readonly FaultKind[]
  readonly clients?: number
  readonly keys?: number
  readonly outDir?: string
  /** Weights of get, put, cas, delete (workload.ts's default when absent). */
  readonly mix?: readonly [number, number, number, number]
  /** Extra gateway environment, e.g. a test-only SHOAL_PLANTED_BUG. */
  readonly gatewayEnv?: Record<string, string>
  /** Gateways (default 1); clients are spread over them. */
  readonly gateways?: number
  /**
   * Link delays held for the whole workload, by link name, both ways (`gw0->n1`: 40) or one
   * (`gw0->n1:down`: 300 delays only the node's replies to gw0).
   */
  readonly linkDelaysMs?: Record<string, number>
  /** Environment per node id (e.g. SHOAL_TEST_FSYNC_DELAY_MS for a slow disk). */
  readonly nodeEnv?: Record<string, Record<string, string>>
  /** Nodes that should lead every shard, most preferred first (the cluster file's field). */
  readonly leaderPreference?: readonly string[]
}

/** Where reports and histories go unless `outDir` says otherwise (git-ignored). */
export const artifactsDir = join(repoRoot, 'test-artifacts', 'chaos')

const table = 'chaos'
const requestTimeoutMs = 5_000
const opsPerClientMax = 5_000
const faultsMax = 50
const checkTimeoutMs = 60_000

/** The part of a run's options that shapes its cluster. */
function clusterOptions(options: ChaosOptions): ChaosClusterOptions {
  return {
    ...(options.gatewayEnv === undefined ? {} : { gatewayEnv: options.gatewayEnv }),
    ...(options.nodeEnv === undefined ? {} : { nodeEnv: options.nodeEnv }),
    gateways: options.gateways ?? 1,
    ...(options.leaderPreference === undefined ? {}
      : { leaderPreference: options.leaderPreference }),
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const cluster = await ChaosCluster.start(clusterOptions(options))
  try {
    await cluster.waitForLeaders(30_000)
    await cluster.client(10_000).createTable(table, {})
    for (const [spec, ms] of Object.entries(options.linkDelaysMs ?? {})) {
      const [name = '', direction] = spec.split(':')
      const proxy = cluster.links.get(name)
      if (proxy === undefined) throw new Error(`no link ${name}`)
      if (direction !== undefined && direction !== 'up' && direction !== 'down') {
        throw new Error(`bad link direction in "${spec}": up or down`)
      }
      proxy.setDelay(ms, direction)
    }
    const gateways = cluster.gateways.map((g) => cluster.client(requestTimeoutMs, g.id))
    const endAt = performance.now() + options.durationMs
    const stopped = (): boolean => performance.now() >= endAt
    const [workload, faults] = await Promise.all([
      runWorkload({
        gateways,
        table,
        seed: options.seed,
        keys: options.keys ?? 10,
        clients: options.clients ?? 10,
        stopped,
        opsPerClientMax,
        ...(options.mix === undefined ? {} : { mix: options.mix }),
      }),
      runNemesis(cluster, { seed: options.seed, kinds: options.faults, stopped, faultsMax }),
    ])
    for (const node of cluster.nodes) cluster.resume(node.id)
    cluster.healAll()
    await cluster.waitForLeaders(30_000)
    const finals = await finalReads(cluster, options.keys ?? 10, workload.ops)
    const finalWriteOk = await finalWrite(cluster)
    const check = checkHistory(workload.ops, { timeoutMs: checkTimeoutMs })
    const convergence = await cluster.waitConverged(30_000)
    const outDir = options.outDir ?? artifactsDir
    mkdirSync(outDir, { recursive: true })
    const historyPath = join(outDir, `chaos-${options.seed}.history.jsonl`)
    writeFileSync(historyPath, formatShoalHistory(workload.ops))
    const report = buildReport({
      options: { ...options },
      seed: options.seed,
      durationMs: options.durationMs,
      ops: workload.ops,
      acknowledged: workload.acknowledged,
      faults,
      check,
      finals,
      converged: convergence.converged,
      convergenceDetail: convergence.last,
      finalWriteOk,
      historyPath,
    })
    writeFileSync(
      join(outDir, `chaos-${options.seed}.report.json`),
      JSON.stringify(report, null, 2),
    )
    writeFileSync(join(outDir, `chaos-${options.seed}.summary.txt`), summarize(report) + '\n')
    return report
  } finally {
    await cluster.close()
  }
}

/** After healing: a strong read of every key through the gateway, added to the history. */
async function finalReads(
  cluster: ChaosCluster,
  keys: number,
  ops: Operation[],
): Promise<FinalRead[]> {
  const client = cluster.client(requestTimeoutMs)
  const finals: FinalRead[] = []
  for (let k = 0; k < keys; k++) {
    const key = `k${k}`
    for (let attempt = 0; attempt < 10; attempt++) {
      const callMs = performance.now()
      try {
        const item = await client.get(table, key)
        const value = item === null ? null : new TextDecoder().decode(item.value)
        ops.push({
          id: ops.length,
          process: `final.${k}`,
          f: 'get',
          key: `${table}/${key}`,
          value,
          expected: null,
          outcome: 'ok',
          callMs,
          returnMs: performance.now(),
        })
        finals.push({ key, value })
        break
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
    }
  }
  return finals
}

/** After healing: one put of a fresh key through every gateway must succeed and read back. */
async function finalWrite(cluster: ChaosCluster): Promise<boolean> {
  for (const gateway of cluster.gateways) {
    const client = cluster.client(requestTimeoutMs, gateway.id)
    let ok = false
    for (let attempt = 0; attempt < 10 && !ok; attempt++) {
      try {
        await client.put(table, `after-heal-${gateway.id}`, 'healed')
        const item = await client.get(table, `after-heal-${gateway.id}`)
        ok = item !== null && new TextDecoder().decode(item.value) === 'healed'
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
    }
    if (!ok) return false
  }
  return true
}

function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m)?$/.exec(text)
  if (match === null) throw new Error(`bad duration "${text}": expected e.g. 60s, 500ms, 2m`)
  const n = Number(match[1])
  return match[2] === 'ms' ? n : match[2] === 'm' ? n * 60_000 : n * 1_000
}

function parseMix(text: string): [number, number, number, number] {
  const parts = text.split(',').map(Number)
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new Error(`bad mix "${text}": expected four weights get,put,cas,delete e.g. 4,3,2,1`)
  }
  return parts as [number, number, number, number]
}

function parseFaults(text: string | undefined): FaultKind[] {
  if (text === undefined) return [...faultKinds]
  if (text === 'none') return []
  const faults = text.split(',') as FaultKind[]
  for (const f of faults) {
    if (!faultKinds.includes(f)) throw new Error(`unknown fault "${f}": ${faultKinds.join(',')}`)
  }
  return faults
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      duration: { type: 'string' },
      faults: { type: 'string' },
      out: { type: 'string' },
      clients: { type: 'string' },
      keys: { type: 'string' },
      mix: { type: 'string' },
      'planted-bug': { type: 'string' },
      gateways: { type: 'string' },
      'slow-gateway': { type: 'string' },
      'slow-disk': { type: 'string' },
      'leader-preference': { type: 'string' },
    },
  })
  const seed = Number(values.seed ?? Date.now() % 1_000_000)
  const bug = values['planted-bug']
  const slow = values['slow-gateway'] === undefined ? undefined : Number(values['slow-gateway'])
  const report = await runChaos({
    seed,
    durationMs: parseDuration(values.duration ?? '60s'),
    faults: parseFaults(values.faults),
    ...(values.out === undefined ? {} : { outDir: values.out }),
    ...(values.clients === undefined ? {} : { clients: Number(values.clients) }),
    ...(values.keys === undefined ? {} : { keys: Number(values.keys) }),
    ...(values.mix === undefined ? {} : { mix: parseMix(values.mix) }),
    ...(bug === undefined ? {} : { gatewayEnv: { SHOAL_PLANTED_BUG: bug } }),
    ...(values.gateways === undefined ? {} : { gateways: Number(values.gateways) }),
    ...(slow === undefined
      ? {}
      : { linkDelaysMs: { 'gw0->n1:down': slow, 'gw0->n2:down': slow, 'gw0->n3:down': slow } }),
    ...(values['slow-disk'] === undefined
      ? {}
      : { nodeEnv: { n3: { SHOAL_TEST_FSYNC_DELAY_MS: values['slow-disk'] } } }),
    ...(values['leader-preference'] === undefined
      ? {}
      : { leaderPreference: values['leader-preference'].split(',') }),
  })
  process.stdout.write(summarize(report) + '\n')
  if (bug !== undefined) {
    process.stdout.write(
      `planted ${bug}: ${report.passed ? 'NOT detected' : 'detected'} ` +
        `in this run (seed ${seed})\n`,
    )
  }
  process.exitCode = report.passed ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  await main()
}
