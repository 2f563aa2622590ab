/**
 * Cluster benchmark: `npx tsx loadtest/bench/cluster.ts [--quick]` (or `npm run bench --
 * cluster` once registered in loadtest/bench.ts).
 *
 * Three storage nodes (real processes) on loopback. Workloads, each closed-loop at concurrency
 * 1, 16 and 64 for a fixed time: puts (100-byte values, majority durability, fsync on), strong
 * gets and eventual gets. Requests go straight to each shard's leader (a leader cache, as the
 * gateway keeps) and follow not-leader hints. Then leader failover: with writers running, the
 * leader of shard 0 is SIGKILLed; we report the time from the kill to the first successful
 * write to that shard and the longest any request in flight at the kill waited.
 *
 * One JSON line per measurement with "system":"shoal" and "concurrency". etcd is compared only
 * when an `etcd` binary is installed (it is not on this machine; see the final report).
 */
import { execFileSync } from 'node:child_process'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import { isShoalError } from '../../shared/errors.ts'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'

const encoder = new TextEncoder()
const table = 'bench'
const keySpace = 10_000

interface Workload {
  readonly name: 'put' | 'get-strong' | 'get-eventual'
  readonly method: string
  params(key: string, shard: number): object
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

class LeaderCache {
  readonly #leaders = new Map<number, string>()
  readonly #c: ClusterFixture

  constructor(c: ClusterFixture) {
    this.#c = c
  }

  async call(shard: number, method: string, params: object, budgetMs: number): Promise<void> {
    const target = this.#leaders.get(shard) ?? this.#c.alive()[0]!.id
    const answer = (await this.#c.call(target, method, params, budgetMs)) as {
      kind: string; leaderHint?: string | null }
    if (answer.kind !== 'not-leader') return
    this.#leaders.delete(shard)
    const hint = answer.leaderHint ?? (await this.#c.leaderOf(shard))
    if (hint === null) throw new Error(`shard ${shard}: no leader`)
    this.#leaders.set(shard, hint)
    const again = (await this.#c.call(hint, method, params, budgetMs)) as { kind: string }
    if (again.kind === 'not-leader') throw new Error(`shard ${shard}: leader moved`)
  }

  forget(shard: number): void {
    this.#leaders.delete(shard)
  }
}

function workloads(): Workload[] {
  const value = new Uint8Array(100).fill(0x61)
  const address = (key: string, shard: number): object => ({
    shard, table, partitionKey: encoder.encode(key), sortKey: new Uint8Array(0) })
  return [
    { name: 'put', method: StorageMethod.put, params: (key, shard) => ({
      ...address(key, shard), value, contentType: 'application/octet-stream',
      durability: 'majority' }) },
    { name: 'get-strong', method: StorageMethod.get,
      params: (key, shard) => ({ ...address(key, shard), consistency: 'strong' }) },
    { name: 'get-eventual', method: StorageMethod.get,
      params: (key, shard) => ({ ...address(key, shard), consistency: 'eventual' }) },
  ]
}

async function runLoad(c: ClusterFixture, cache: LeaderCache, w: Workload, concurrency: number,
  durationMs: number): Promise<void> {
  const latencies: number[] = []
  let errors = 0
  let n = 0
  const end = performance.now() + durationMs
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const key = `key-${n++ % keySpace}`
      const shard = c.shardOf(table, encoder.encode(key))
      const started = performance.now()
      try {
        await cache.call(shard, w.method, w.params(key, shard), 5_000)
        latencies.push(performance.now() - started)
      } catch {
        errors++
      }
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, () => loop()))
  const elapsedS = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  console.log(JSON.stringify({
    system: 'shoal', workload: w.name, concurrency, opsPerSec: Math.round(latencies.length /
      elapsedS), p50Ms: round(percentile(latencies, 0.5)), p99Ms: round(percentile(latencies,
      0.99)), errors,
  }))
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100
}

/** Kills shard 0's leader under writes: time to the first good write, longest in-flight wait. */
async function runFailover(c: ClusterFixture, cache: LeaderCache): Promise<void> {
  const shard = 0
  const keys: string[] = []
  for (let i = 0; keys.length < 64; i++) {
    if (c.shardOf(table, encoder.encode(`f${i}`)) === shard) keys.push(`f${i}`)
  }
  const put = workloads()[0]!
  const leader = await c.leaderOf(shard)
  if (leader === null) throw new Error('no leader for shard 0')
  let killedAt = 0
  let firstOkAfterKill = 0
  let longestWait = 0
  let stop = false
  const loop = async (key: string): Promise<void> => {
    while (!stop) {
      const started = performance.now()
      try {
        await cache.call(shard, put.method, put.params(key, shard), 5_000)
        if (killedAt > 0 && started >= killedAt && firstOkAfterKill === 0) {
          firstOkAfterKill = performance.now()
        }
      } catch (error) {
        if (!isShoalError(error)) cache.forget(shard)
        cache.forget(shard)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      if (killedAt > 0 && started < killedAt) {
        longestWait = Math.max(longestWait, performance.now() - started)
      }
    }
  }
  const loops = keys.slice(0, 16).map((key) => loop(key))
  await new Promise((resolve) => setTimeout(resolve, 500))
  killedAt = performance.now()
  await c.kill(leader, 'SIGKILL')
  const giveUp = performance.now() + 15_000
  while (firstOkAfterKill === 0 && performance.now() < giveUp) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  stop = true
  await Promise.all(loops)
  console.log(JSON.stringify({
    system: 'shoal', workload: 'failover', concurrency: 16,
    firstWriteAfterKillMs: firstOkAfterKill === 0 ? null : round(firstOkAfterKill - killedAt),
    longestInFlightWaitMs: round(longestWait),
  }))
  await c.startNode(leader)
}

function etcdInstalled(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export async function runClusterBench(options: { quick: boolean }): Promise<void> {
  const durationMs = options.quick ? 2_000 : 10_000
  const c = await ClusterFixture.start({ nodes: 3, shardCount: 8 })
  try {
    await c.waitForLeaders()
    await c.createTable(table)
    const cache = new LeaderCache(c)
    for (const w of workloads()) {
      for (const concurrency of [1, 16, 64]) await runLoad(c, cache, w, concurrency, durationMs)
    }
    await runFailover(c, cache)
  } finally {
    await c.close()
  }
  if (!etcdInstalled()) {
    console.log(JSON.stringify({ system: 'etcd', skipped: 'etcd is not installed' }))
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1])) {
  await runClusterBench({ quick: process.argv.includes('--quick') })
}
