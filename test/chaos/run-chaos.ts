/**
 * One chaos run: start a ChaosCluster (3 nodes behind proxies + gateway), create a table, run
 * the workload and the nemesis together for a duration, heal, read every key, check the
 * history for linearizability, look for lost acknowledged writes, check replica convergence,
 * and write a report (JSON + readable summary) and the history (shoal format) to a directory.
 *
 *   npx tsx test/chaos/run-chaos.ts --seed 7 --duration 60s [--faults kill,pause,isolate]
 *
 * Exit code 0 when the run passed, 1 when it found a problem (the summary says which).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { checkHistory } from '../lincheck/check-history.ts'
import { formatShoalHistory } from '../lincheck/history.ts'
import type { Operation } from '../lincheck/operation.ts'
import { ChaosCluster } from './cluster.ts'
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
}

const table = 'chaos'
const requestTimeoutMs = 5_000
const opsPerClientMax = 5_000
const faultsMax = 50
const checkTimeoutMs = 60_000

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const cluster = await ChaosCluster.start()
  try {
    await cluster.waitForLeaders(30_000)
    await cluster.client(10_000).createTable(table, {})
    const endAt = performance.now() + options.durationMs
    const stopped = (): boolean => performance.now() >= endAt
    const [workload, faults] = await Promise.all([
      runWorkload({ client: cluster.client(requestTimeoutMs), table, seed: options.seed,
        keys: options.keys ?? 10, clients: options.clients ?? 10, stopped, opsPerClientMax }),
      runNemesis(cluster, { seed: options.seed, kinds: options.faults, stopped, faultsMax }),
    ])
    for (const node of cluster.nodes) {
      cluster.resume(node.id)
      node.proxy.setMode('pass')
    }
    await cluster.waitForLeaders(30_000)
    const finals = await finalReads(cluster, options.keys ?? 10, workload.ops)
    const check = checkHistory(workload.ops, { timeoutMs: checkTimeoutMs })
    const convergence = await cluster.waitConverged(30_000)
    const outDir = options.outDir ?? cluster.dir
    const historyPath = join(outDir, `chaos-${options.seed}.history.jsonl`)
    writeFileSync(historyPath, formatShoalHistory(workload.ops))
    const report = buildReport({ seed: options.seed, durationMs: options.durationMs,
      ops: workload.ops, acknowledged: workload.acknowledged, faults, check, finals,
      converged: convergence.converged, convergenceDetail: convergence.last, historyPath })
    writeFileSync(join(outDir, `chaos-${options.seed}.report.json`),
      JSON.stringify(report, null, 2))
    return report
  } finally {
    await cluster.close()
  }
}

/** After healing: a strong read of every key through the gateway, added to the history. */
async function finalReads(cluster: ChaosCluster, keys: number, ops: Operation[]):
  Promise<FinalRead[]> {
  const client = cluster.client(requestTimeoutMs)
  const finals: FinalRead[] = []
  for (let k = 0; k < keys; k++) {
    const key = `k${k}`
    for (let attempt = 0; attempt < 10; attempt++) {
      const callMs = performance.now()
      try {
        const item = await client.get(table, key)
        const value = item === null ? null : new TextDecoder().decode(item.value)
        ops.push({ id: ops.length, process: `final.${k}`, f: 'get', key: `${table}/${key}`,
          value, expected: null, outcome: 'ok', callMs, returnMs: performance.now() })
        finals.push({ key, value })
        break
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
    }
  }
  return finals
}

function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m)?$/.exec(text)
  if (match === null) throw new Error(`bad duration "${text}": expected e.g. 60s, 500ms, 2m`)
  const n = Number(match[1])
  return match[2] === 'ms' ? n : match[2] === 'm' ? n * 60_000 : n * 1_000
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    seed: { type: 'string' }, duration: { type: 'string' }, faults: { type: 'string' },
    out: { type: 'string' }, clients: { type: 'string' },
  } })
  const seed = Number(values.seed ?? Date.now() % 1_000_000)
  const faults = (values.faults?.split(',') ?? faultKinds) as FaultKind[]
  for (const f of faults) {
    if (!faultKinds.includes(f)) throw new Error(`unknown fault "${f}": ${faultKinds.join(',')}`)
  }
  const report = await runChaos({ seed, durationMs: parseDuration(values.duration ?? '60s'),
    faults, ...(values.out === undefined ? {} : { outDir: values.out }),
    ...(values.clients === undefined ? {} : { clients: Number(values.clients) }) })
  process.stdout.write(summarize(report) + '\n')
  process.exitCode = report.passed ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  await main()
}
