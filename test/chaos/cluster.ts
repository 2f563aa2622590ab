/**
 * ChaosCluster: 3 storage node processes and one or more gateway processes on loopback, with a
 * fault-injecting TcpProxy on every directed link: node→node (6 links) and gateway→node (3 per
 * gateway). Each process reads its OWN cluster file: its own entry holds its real listen address,
 * every other node's entry the port of its link proxy to that node (a node is identified by its
 * id, not its address, so the views may differ). So the nemesis can cut {a} | {b,c} both ways or
 * one way, and slow chosen links. The harness reaches nodes directly (no proxy) only for status
 * and the final `node.shardChecksum` convergence check. It kills, pauses, restarts and stops
 * exactly the processes it started, by pid.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StorageMethod, type NodeStatus } from '../../shared/api/storage-api.ts'
import { ShoalClient } from '../../shared/client/shoal-client.ts'
import { storageNodeExecArgv } from '../../shared/config/node-runtime.ts'
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
  readonly configPath: string
  readonly rpc: RpcClient
  process: Spawned | null
  paused: boolean
}

export interface ChaosGateway {
  readonly id: string
  readonly configPath: string
  port: number
  process: Spawned | null
}

export interface ChaosClusterOptions {
  readonly shardCount?: number
  readonly gatewayEnv?: Record<string, string>
  /** Gateways (default 1), each with its own links to every node. */
  readonly gateways?: number
  /** Environment per node id, e.g. a slow disk on one node. */
  readonly nodeEnv?: Record<string, Record<string, string>>
  /** The cluster file's leaderPreference (storage/multiraft/leader-preference.ts). */
  readonly leaderPreference?: readonly string[]
}

/** The proxy name of the link from process `from` (node or gateway id) to node `to`. */
export function linkName(from: string, to: string): string {
  return `${from}->${to}`
}

export class ChaosCluster {
  readonly dir: string
  readonly shardCount: number
  readonly nodes: ChaosNode[]
  readonly gateways: ChaosGateway[]
  readonly links: ReadonlyMap<string, TcpProxy>
  readonly #options: ChaosClusterOptions

  private constructor(
    dir: string,
    nodes: ChaosNode[],
    gateways: ChaosGateway[],
    links: Map<string, TcpProxy>,
    options: ChaosClusterOptions,
  ) {
    this.dir = dir
    this.shardCount = options.shardCount ?? 2
    this.nodes = nodes
    this.gateways = gateways
    this.links = links
    this.#options = options
  }

  static async start(options: ChaosClusterOptions = {}): Promise<ChaosCluster> {
    const dir = tempDir('chaos')
    const ids = ['n1', 'n2', 'n3']
    const realPorts = new Map<string, number>()
    for (const id of ids) realPorts.set(id, await freePort())
    const gatewayIds = Array.from({ length: options.gateways ?? 1 }, (_, g) => `gw${g}`)
    const links = new Map<string, TcpProxy>()
    for (const from of [...ids, ...gatewayIds]) {
      for (const to of ids) {
        if (from === to) continue
        const name = linkName(from, to)
        links.set(name, await TcpProxy.start(name, await freePort(), realPorts.get(to)!))
      }
    }
    const view = (self: string): string => {
      const path = join(dir, `cluster-${self}.yaml`)
      const lines = [
        `clusterId: ${clusterId}`,
        `shardCount: ${options.shardCount ?? 2}`,
        'replicationFactor: 3',
        `dataDir: ${dir}`,
        ...(options.leaderPreference === undefined ? []
          : [`leaderPreference: [${options.leaderPreference.join(', ')}]`]),
        'nodes:',
      ]
      for (const to of ids) {
        const port = to === self ? realPorts.get(to)! : links.get(linkName(self, to))!.listenPort
        lines.push(`  - id: ${to}`, `    address: 127.0.0.1:${port}`)
      }
      writeFileSync(path, lines.join('\n') + '\n')
      return path
    }
    const nodes = ids.map((id, i): ChaosNode => ({
      id,
      realPort: realPorts.get(id)!,
      configPath: view(id),
      process: null,
      paused: false,
      rpc: new RpcClient(clock, timers, new SeededPrng(i + 7), new SilentLogger(), {
        host: '127.0.0.1',
        port: realPorts.get(id)!,
        clusterId,
        nodeId: `chaos-harness-${i}`,
      }),
    }))
    const gateways = gatewayIds.map((id): ChaosGateway => ({
      id,
      configPath: view(id),
      port: 0,
      process: null,
    }))
    const cluster = new ChaosCluster(dir, nodes, gateways, links, options)
    await Promise.all(nodes.map((node) => cluster.startNode(node.id)))
    for (const gateway of gateways) await cluster.startGateway(gateway)
    return cluster
  }

  link(from: string, to: string): TcpProxy {
    const proxy = this.links.get(linkName(from, to))
    if (proxy === undefined) throw new Error(`no link ${linkName(from, to)}`)
    return proxy
  }

  /** Heals every link (drops and delays). */
  healAll(): void {
    for (const proxy of this.links.values()) proxy.heal()
  }

  node(id: string): ChaosNode {
    const node = this.nodes.find((n) => n.id === id)
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  async startNode(id: string): Promise<void> {
    const node = this.node(id)
    const spawned = spawnTs(
      'storage/main.ts',
      [
        '--config',
        node.configPath,
        '--node',
        id,
        '--listen',
        `127.0.0.1:${node.realPort}`,
        '--log-level',
        'warn',
      ],
      { env: this.#options.nodeEnv?.[id] ?? {}, execArgv: storageNodeExecArgv },
    )
    node.process = spawned
    node.paused = false
    await waitFor(
      `${id} ready`,
      () => {
        if (spawned.child.exitCode !== null) {
          throw new Error(`${id} exited: ${spawned.output().slice(-2000)}`)
        }
        return spawned.output().includes('shoal-storage ready')
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 50 },
    )
  }

  async startGateway(gateway: ChaosGateway): Promise<void> {
    gateway.port = await freePort()
    const spawned = spawnTs(
      'gateway/main.ts',
      ['--config', gateway.configPath, '--port', String(gateway.port)],
      { env: { SHOAL_LOG_LEVEL: 'warn', ...this.#options.gatewayEnv } },
    )
    gateway.process = spawned
    const client = this.client(2_000, gateway.id)
    let exited = false
    try {
      await waitFor(
        `${gateway.id} ready`,
        () => {
          exited = spawned.child.exitCode !== null
          return !exited && client.ready()
        },
        { timeoutMs: readyTimeoutMs, intervalMs: 100 },
      )
    } catch (error) {
      throw new Error(
        `${gateway.id} ${exited ? 'exited' : 'not ready'}: ${String(error)}\n` +
          spawned.output().slice(-2_000),
      )
    }
  }

  /** A REST client of gateway `gatewayId` (the first gateway by default). */
  client(timeoutMs: number, gatewayId = 'gw0'): ShoalClient {
    const gateway = this.gateways.find((g) => g.id === gatewayId)
    if (gateway === undefined) throw new Error(`no gateway ${gatewayId}`)
    return new ShoalClient({ baseUrl: `http://127.0.0.1:${gateway.port}`, timeoutMs })
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
    return (await this.node(id).rpc.request(
      StorageMethod.status,
      {},
      {
        deadlineMs: clock.monotonicMs() + 1_000,
      },
    )) as NodeStatus
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
    await waitFor(
      'every shard and the catalog has a leader',
      async () => {
        for (let shard = 0; shard <= this.shardCount; shard++) {
          if ((await this.leaderOf(shard)) === null) return false
        }
        return true
      },
      { timeoutMs, intervalMs: 100 },
    )
  }

  /** Waits until every replica of every shard reports the same applied index and checksum. */
  async waitConverged(timeoutMs: number): Promise<{ converged: boolean; last: string }> {
    let last = ''
    try {
      await waitFor(
        'replicas converge',
        async () => {
          for (let shard = 0; shard < this.shardCount; shard++) {
            const answers: ShardChecksumResponse[] = []
            for (const node of this.nodes) {
              answers.push(
                ShardChecksumResponse.parse(
                  await node.rpc.request(
                    shardChecksumMethod,
                    { shard },
                    { deadlineMs: clock.monotonicMs() + 2_000 },
                  ),
                ),
              )
            }
            last = JSON.stringify({ shard, answers })
            const first = answers[0]!
            if (
              !answers.every(
                (a) =>
                  a.appliedIndex === first.appliedIndex &&
                  a.checksum === first.checksum &&
                  a.items === first.items,
              )
            )
              return false
          }
          return true
        },
        { timeoutMs, intervalMs: 200 },
      )
      return { converged: true, last }
    } catch {
      return { converged: false, last }
    }
  }

  async close(): Promise<void> {
    for (const gateway of this.gateways) {
      if (gateway.process !== null) await stop(gateway.process)
    }
    for (const node of this.nodes) {
      node.rpc.close()
      if (node.process !== null) {
        if (node.paused) node.process.child.kill('SIGCONT')
        await stop(node.process, 'SIGTERM')
      }
    }
    for (const proxy of this.links.values()) await proxy.close()
  }
}
