/**
 * ChaosCluster: 3 storage node processes and a gateway process on loopback, with a TcpProxy in
 * front of every node. The cluster file advertises each proxy's port; each node listens on its
 * own hidden port (`--listen`). The harness reaches nodes directly (bypassing the proxies) only
 * for status and the final `node.shardChecksum` convergence check. It kills, pauses, restarts
 * and stops exactly the processes it started, by pid.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StorageMethod, type NodeStatus } from '../../shared/api/storage-api.ts'
import { ShoalClient } from '../../shared/client/shoal-client.ts'
import { SilentLogger } from '../../shared/log.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { RpcClient } from '../../shared/rpc/rpc-client.ts'
import { SystemClock, SystemTimers } from '../../shared/time/clock.ts'
import { ShardChecksumResponse } from '../../storage/node/checksum.ts'
import { shardChecksumMethod } from '../../storage/node/dispatch.ts'
import { freePort, spawnTs, stop, tempDir, waitFor, type Spawned } from '../harness/processes.ts'
import { TcpProxy } from './tcp-proxy.ts'

const clock = new SystemClock()
const timers = new SystemTimers()
const clusterId = 'chaos'
const readyTimeoutMs = 30_000

export interface ChaosNode {
  readonly id: string
  readonly realPort: number
  readonly proxy: TcpProxy
  readonly rpc: RpcClient
  process: Spawned | null
  paused: boolean
}

export class ChaosCluster {
  readonly dir: string
  readonly configPath: string
  readonly shardCount: number
  readonly nodes: ChaosNode[]
  gateway: Spawned | null = null
  gatewayPort = 0
  readonly #gatewayEnv: Record<string, string>

  private constructor(dir: string, configPath: string, shardCount: number, nodes: ChaosNode[],
    gatewayEnv: Record<string, string>) {
    this.dir = dir
    this.configPath = configPath
    this.shardCount = shardCount
    this.nodes = nodes
    this.#gatewayEnv = gatewayEnv
  }

  static async start(options: { shardCount?: number; gatewayEnv?: Record<string, string> } = {}):
    Promise<ChaosCluster> {
    const shardCount = options.shardCount ?? 2
    const dir = tempDir('chaos')
    const lines = [`clusterId: ${clusterId}`, `shardCount: ${shardCount}`,
      'replicationFactor: 3', `dataDir: ${dir}`, 'nodes:']
    const nodes: ChaosNode[] = []
    for (let i = 0; i < 3; i++) {
      const realPort = await freePort()
      const proxy = await TcpProxy.start(await freePort(), realPort)
      lines.push(`  - id: n${i + 1}`, `    address: 127.0.0.1:${proxy.listenPort}`)
      const rpc = new RpcClient(clock, timers, new SeededPrng(i + 7), new SilentLogger(), {
        host: '127.0.0.1', port: realPort, clusterId, nodeId: `chaos-harness-${i}`,
      })
      nodes.push({ id: `n${i + 1}`, realPort, proxy, rpc, process: null, paused: false })
    }
    const configPath = join(dir, 'cluster.yaml')
    writeFileSync(configPath, lines.join('\n') + '\n')
    const cluster = new ChaosCluster(dir, configPath, shardCount, nodes,
      options.gatewayEnv ?? {})
    await Promise.all(nodes.map((node) => cluster.startNode(node.id)))
    await cluster.startGateway()
    return cluster
  }

  node(id: string): ChaosNode {
    const node = this.nodes.find((n) => n.id === id)
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  async startNode(id: string): Promise<void> {
    const node = this.node(id)
    const spawned = spawnTs('storage/main.ts', ['--config', this.configPath, '--node', id,
      '--listen', `127.0.0.1:${node.realPort}`, '--log-level', 'warn'])
    node.process = spawned
    node.paused = false
    await waitFor(`${id} ready`, () => {
      if (spawned.child.exitCode !== null) {
        throw new Error(`${id} exited: ${spawned.output().slice(-2000)}`)
      }
      return spawned.output().includes('shoal-storage ready')
    }, { timeoutMs: readyTimeoutMs, intervalMs: 50 })
  }

  async startGateway(): Promise<void> {
    this.gatewayPort = await freePort()
    this.gateway = spawnTs('gateway/main.ts', ['--config', this.configPath, '--port',
      String(this.gatewayPort)], { env: { SHOAL_LOG_LEVEL: 'warn', ...this.#gatewayEnv } })
    const client = this.client(2_000)
    await waitFor('gateway ready', () => client.ready(), { timeoutMs: readyTimeoutMs,
      intervalMs: 100 })
  }

  client(timeoutMs: number): ShoalClient {
    return new ShoalClient({ baseUrl: `http://127.0.0.1:${this.gatewayPort}`, timeoutMs })
  }

  async kill(id: string): Promise<void> {
    const node = this.node(id)
    if (node.process === null) return
    if (node.paused) node.process.child.kill('SIGCONT')
    await stop(node.process, 'SIGKILL')
    node.process = null
    node.paused = false
  }

  pause(id: string): void {
    const node = this.node(id)
    if (node.process === null || node.paused) return
    node.process.child.kill('SIGSTOP')
    node.paused = true
  }

  resume(id: string): void {
    const node = this.node(id)
    if (node.process === null || !node.paused) return
    node.process.child.kill('SIGCONT')
    node.paused = false
  }

  async status(id: string): Promise<NodeStatus> {
    return (await this.node(id).rpc.request(StorageMethod.status, {}, {
      deadlineMs: clock.monotonicMs() + 1_000 })) as NodeStatus
  }

  /** The live node that claims leadership of `shard` (null when none answers as leader). */
  async leaderOf(shard: number): Promise<string | null> {
    for (const node of this.nodes) {
      if (node.process === null || node.paused) continue
      try {
        const s = (await this.status(node.id)).shards.find((x) => x.shard === shard)
        if (s?.role === 'leader') return node.id
      } catch {
        // A node that does not answer does not lead.
      }
    }
    return null
  }

  async waitForLeaders(timeoutMs: number): Promise<void> {
    await waitFor('every shard and the catalog has a leader', async () => {
      for (let shard = 0; shard <= this.shardCount; shard++) {
        if ((await this.leaderOf(shard)) === null) return false
      }
      return true
    }, { timeoutMs, intervalMs: 100 })
  }

  /** Waits until every replica of every shard reports the same applied index and checksum. */
  async waitConverged(timeoutMs: number): Promise<{ converged: boolean; last: string }> {
    let last = ''
    try {
      await waitFor('replicas converge', async () => {
        for (let shard = 0; shard < this.shardCount; shard++) {
          const answers: ShardChecksumResponse[] = []
          for (const node of this.nodes) {
            answers.push(ShardChecksumResponse.parse(await node.rpc.request(
              shardChecksumMethod, { shard }, { deadlineMs: clock.monotonicMs() + 2_000 })))
          }
          last = JSON.stringify({ shard, answers })
          const first = answers[0]!
          if (!answers.every((a) => a.appliedIndex === first.appliedIndex &&
            a.checksum === first.checksum && a.items === first.items)) return false
        }
        return true
      }, { timeoutMs, intervalMs: 200 })
      return { converged: true, last }
    } catch {
      return { converged: false, last }
    }
  }

  async close(): Promise<void> {
    if (this.gateway !== null) await stop(this.gateway)
    for (const node of this.nodes) {
      node.rpc.close()
      if (node.process !== null) {
        if (node.paused) node.process.child.kill('SIGCONT')
        await stop(node.process, 'SIGTERM')
      }
      await node.proxy.close()
    }
  }
}
