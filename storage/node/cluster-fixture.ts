/**
 * ClusterFixture: a real storage cluster on loopback for end-to-end tests and the benchmark.
 * It writes a cluster file with free ports, runs each node as its own process
 * (`storage/main.ts` under tsx), talks to them with the real RPC client, and kills, restarts
 * and stops exactly the processes it started. `write` / `read` route like a gateway: to the
 * shard's leader, following not-leader hints and retrying retryable errors until a deadline.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import type { GetResponse, NodeStatus, WriteResponse } from '../../shared/api/storage-api.ts'
import { storageNodeExecArgv } from '../../shared/config/node-runtime.ts'
import { isShoalError, ShoalError } from '../../shared/errors.ts'
import { shardOf } from '../../shared/hashing/shard-of.ts'
import { SilentLogger } from '../../shared/log.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { RpcClient } from '../../shared/rpc/rpc-client.ts'
import { ShardChecksumResponse } from './checksum.ts'
import { raftStatsMethod, shardChecksumMethod } from './dispatch.ts'
import { SystemClock, SystemTimers } from '../../shared/time/clock.ts'
import {
  freePort, spawnTs, stop, tempDir, waitFor, type Spawned,
} from '../../test/harness/processes.ts'

const clock = new SystemClock()
const timers = new SystemTimers()
export const fixtureClusterId = 'e2e'

export interface FixtureNode {
  readonly id: string
  readonly port: number
  process: Spawned | null
  client: RpcClient
}

export class ClusterFixture {
  readonly dir: string
  readonly configPath: string
  readonly shardCount: number
  readonly nodes: FixtureNode[]
  /** Extra environment for every node process (e.g. SHOAL_LOG_RETAIN_ENTRIES). */
  readonly env: Record<string, string>
  #clientSeq = 0

  private constructor(dir: string, configPath: string, shardCount: number,
    nodes: FixtureNode[], env: Record<string, string>) {
    this.dir = dir
    this.configPath = configPath
    this.shardCount = shardCount
    this.nodes = nodes
    this.env = env
  }

  static async start(options: { nodes?: number; shardCount?: number;
    env?: Record<string, string>; leaderPreference?: readonly string[] } = {}):
    Promise<ClusterFixture> {
    const count = options.nodes ?? 3
    const shardCount = options.shardCount ?? 4
    const dir = tempDir('cluster')
    const ports: number[] = []
    for (let i = 0; i < count; i++) ports.push(await freePort())
    const lines = [`clusterId: ${fixtureClusterId}`, `shardCount: ${shardCount}`,
      `replicationFactor: ${Math.min(3, count)}`, `dataDir: ${dir}`]
    if (options.leaderPreference !== undefined) {
      lines.push(`leaderPreference: [${options.leaderPreference.join(', ')}]`)
    }
    lines.push('nodes:')
    for (let i = 0; i < count; i++) {
      lines.push(`  - id: n${i + 1}`, `    address: 127.0.0.1:${ports[i]}`)
    }
    const configPath = join(dir, 'cluster.yaml')
    writeFileSync(configPath, lines.join('\n') + '\n')
    const nodes = ports.map((port, i) => ({ id: `n${i + 1}`, port, process: null,
      client: newClient(port, i) }))
    const fixture = new ClusterFixture(dir, configPath, shardCount, nodes, options.env ?? {})
    await Promise.all(nodes.map((node) => fixture.startNode(node.id)))
    return fixture
  }

  node(id: string): FixtureNode {
    const node = this.nodes.find((n) => n.id === id)
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  /** Starts (or restarts) a node's process and (unless told not to) waits until it is ready. */
  async startNode(id: string, options: { wait?: boolean } = {}): Promise<void> {
    const node = this.node(id)
    const spawned = spawnNode(['--config', this.configPath, '--node', id, '--log-level',
      'warn'], this.env)
    node.process = spawned
    if (options.wait === false) return
    await waitFor(`${id} ready`, () => {
      if (spawned.child.exitCode !== null) {
        throw new Error(`${id} exited: ${spawned.output().slice(-2000)}`)
      }
      return spawned.output().includes('shoal-storage ready')
    }, { timeoutMs: 30_000, intervalMs: 20 })
  }

  async kill(id: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.node(id)
    if (node.process !== null) await stop(node.process, signal)
    node.process = null
  }

  alive(): FixtureNode[] {
    return this.nodes.filter((n) => n.process !== null)
  }

  async call(id: string, method: string, params: unknown, budgetMs = 5_000): Promise<unknown> {
    return this.node(id).client.request(method, params, { deadlineMs: clock.monotonicMs() +
      budgetMs })
  }

  /** The node's raft counters (snapshots, log compactions; dispatch.ts raftStats). */
  async raftStats(id: string): Promise<Record<string, unknown>> {
    return (await this.call(id, raftStatsMethod, {}, 2_000)) as Record<string, unknown>
  }

  async status(id: string): Promise<NodeStatus> {
    return (await this.call(id, StorageMethod.status, {}, 2_000)) as NodeStatus
  }

  /** How many groups (data shards and the catalog) each live node leads, by its own status. */
  async groupsLedBy(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const node of this.alive()) {
      const status = await this.status(node.id)
      counts[node.id] = status.shards.filter((s) => s.role === 'leader').length
    }
    return counts
  }

  /** The node leading `shard` according to the live nodes (null when none claims it). */
  async leaderOf(shard: number): Promise<string | null> {
    for (const node of this.alive()) {
      try {
        const status = await this.status(node.id)
        const s = status.shards.find((x) => x.shard === shard)
        if (s?.role === 'leader') return node.id
      } catch {
        // A node that does not answer does not lead.
      }
    }
    return null
  }

  async waitForLeaders(timeoutMs = 20_000): Promise<void> {
    await waitFor('every shard and the catalog has a leader', async () => {
      for (let shard = 0; shard <= this.shardCount; shard++) {
        if ((await this.leaderOf(shard)) === null) return false
      }
      return true
    }, { timeoutMs, intervalMs: 50 })
  }

  shardOf(table: string, partitionKey: Uint8Array): number {
    return shardOf({ table, partitionKey }, { shardCount: this.shardCount })
  }

  /**
   * Sends a request for `shard` to its leader, following hints and retrying retryable
   * failures until `budgetMs` passes. Non-retryable errors are thrown as they are.
   */
  async routed<T extends { kind: string }>(method: string, params: object, budgetMs = 10_000,
    start?: string): Promise<T> {
    const giveUp = clock.monotonicMs() + budgetMs
    const alive = this.alive()
    if (alive.length === 0) {
      // Never reject at once: a caller retrying in a loop would spin without yielding.
      await new Promise((resolve) => setTimeout(resolve, 20))
      throw new ShoalError('unavailable', `${method}: no node of the cluster is running`)
    }
    let target = start ?? alive[this.#clientSeq++ % alive.length]!.id
    let lastError: ShoalError | null = null
    while (clock.monotonicMs() < giveUp) {
      try {
        const left = Math.max(50, Math.min(3_000, giveUp - clock.monotonicMs()))
        const answer = (await this.call(target, method, params, left)) as T & {
          leaderHint?: string | null }
        if (answer.kind !== 'not-leader') return answer
        target = answer.leaderHint ?? this.#next(target)
      } catch (error) {
        if (!isShoalError(error) || !error.retryable) throw error
        lastError = error
        target = this.#next(target)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      if (this.node(target).process === null) {
        if (this.alive().length === 0) break
        target = this.#next(target)
      }
    }
    throw lastError ?? new ShoalError('shard-unavailable', `${method}: no answer in time`)
  }

  #next(current: string): string {
    const alive = this.alive()
    const at = alive.findIndex((n) => n.id === current)
    return alive[(at + 1) % alive.length]!.id
  }

  async put(table: string, key: string, value: Uint8Array, budgetMs = 10_000):
    Promise<WriteResponse> {
    const partitionKey = new TextEncoder().encode(key)
    return this.routed<WriteResponse>(StorageMethod.put, {
      shard: this.shardOf(table, partitionKey), table, partitionKey, sortKey: new Uint8Array(0),
      value, contentType: 'application/octet-stream', durability: 'majority',
    }, budgetMs)
  }

  async get(table: string, key: string, consistency: 'strong' | 'eventual' = 'strong',
    budgetMs = 10_000): Promise<GetResponse> {
    const partitionKey = new TextEncoder().encode(key)
    return this.routed<GetResponse>(StorageMethod.get, {
      shard: this.shardOf(table, partitionKey), table, partitionKey,
      sortKey: new Uint8Array(0), consistency,
    }, budgetMs)
  }

  async createTable(name: string): Promise<void> {
    const answer = await this.routed<{ kind: string }>(StorageMethod.createTable, {
      name, settings: { ttlSeconds: null, maxVersions: 1, valueBytesMax: 1024 * 1024 },
    })
    if (answer.kind !== 'created' && answer.kind !== 'exists') throw new Error(answer.kind)
    // Wait until every live replica's catalog knows it (writes resolve names locally).
    await waitFor(`table ${name} everywhere`, async () => {
      for (const node of this.alive()) {
        const d = (await this.call(node.id, StorageMethod.describeTable, { name })) as {
          kind: string }
        if (d.kind !== 'found') return false
      }
      return true
    }, { timeoutMs: 10_000, intervalMs: 20 })
  }

  /** Waits until every live replica of every shard has the same applied index and checksum. */
  async waitConverged(timeoutMs: number): Promise<void> {
    let last = ''
    await waitFor('replicas converge', async () => {
      for (let shard = 0; shard < this.shardCount; shard++) {
        const answers: ShardChecksumResponse[] = []
        for (const node of this.alive()) {
          answers.push(ShardChecksumResponse.parse(
            await this.call(node.id, shardChecksumMethod, { shard })))
        }
        last = JSON.stringify({ shard, answers })
        const first = answers[0]!
        if (!answers.every((a) => a.appliedIndex === first.appliedIndex &&
          a.checksum === first.checksum && a.items === first.items)) return false
      }
      return true
    }, { timeoutMs, intervalMs: 100 }).catch((error: unknown) => {
      throw new Error(`${String(error)}; last: ${last}`)
    })
  }

  /** Stops every process we started and closes the clients. */
  async close(): Promise<void> {
    for (const node of this.nodes) node.client.close()
    await Promise.all(this.nodes.map((node) => this.kill(node.id, 'SIGTERM')))
  }
}

/** Runs storage/main.ts as one node process with tsx's loader (see spawnTs). */
function spawnNode(args: string[], env: Record<string, string>): Spawned {
  return spawnTs('storage/main.ts', args, { env, execArgv: storageNodeExecArgv })
}

function newClient(port: number, seed: number): RpcClient {
  return new RpcClient(clock, timers, new SeededPrng(seed + 1), new SilentLogger(), {
    host: '127.0.0.1', port, clusterId: fixtureClusterId, nodeId: `client-${seed}`,
  })
}
