/**
 * ClusterWatcher: polls every storage node's `node.status` on a fixed interval, so the gateway
 * knows which nodes answer and who leads each group without waiting for client traffic. It
 * feeds the leader cache (a leader's own report wins over older hints), answers
 * /v1/cluster from its last poll, and decides readiness locally: ready once every group has a
 * leader that a live node reports.
 */
import { NodeStatus, StorageMethod } from '../../shared/api/storage-api.ts'
import type { Logger } from '../../shared/log.ts'
import type { Clock, TimerHandle, Timers } from '../../shared/time/clock.ts'
import type { LeaderCache } from '../routing/leader-cache.ts'
import type { ShardMap } from '../routing/shard-map.ts'
import type { ClusterStatus, Readiness } from './gateway-backend.ts'
import type { NodePool } from './node-pool.ts'

interface NodeReport {
  readonly healthy: boolean
  readonly status: NodeStatus | null
  readonly atMs: number
}

export class ClusterWatcher {
  readonly stats = { polls: 0, failures: 0 }
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #logger: Logger
  readonly #pool: NodePool
  readonly #leaders: LeaderCache
  readonly #options: { intervalMs: number; timeoutMs: number }
  readonly #reports = new Map<string, NodeReport>()
  #map: ShardMap
  #timer: TimerHandle | null = null
  #polling = false

  constructor(
    clock: Clock,
    timers: Timers,
    logger: Logger,
    deps: {
      pool: NodePool
      leaders: LeaderCache
      map: ShardMap
      intervalMs: number
      timeoutMs: number
    },
  ) {
    this.#clock = clock
    this.#timers = timers
    this.#logger = logger
    this.#pool = deps.pool
    this.#leaders = deps.leaders
    this.#map = deps.map
    this.#options = { intervalMs: deps.intervalMs, timeoutMs: deps.timeoutMs }
  }

  start(): void {
    if (this.#timer !== null) return
    this.#timer = this.#timers.every(this.#options.intervalMs, () => void this.pollOnce())
    void this.pollOnce()
  }

  stop(): void {
    this.#timer?.cancel()
    this.#timer = null
  }

  updateMap(map: ShardMap): void {
    this.#map = map
  }

  /** Polls every node once; never rejects (failures mark the node unhealthy). */
  async pollOnce(): Promise<void> {
    if (this.#polling) return
    this.#polling = true
    try {
      await Promise.all(this.#map.nodes().map((node) => this.#poll(node.id)))
    } finally {
      this.#polling = false
    }
  }

  async #poll(nodeId: string): Promise<void> {
    this.stats.polls++
    const client = this.#pool.client(nodeId)
    const atMs = this.#clock.monotonicMs()
    try {
      if (client === undefined) throw new Error('unknown node')
      const raw = await client.request(
        StorageMethod.status,
        {},
        {
          deadlineMs: atMs + this.#options.timeoutMs,
        },
      )
      const status = NodeStatus.parse(raw)
      this.#reports.set(nodeId, { healthy: true, status, atMs })
      for (const shard of status.shards) {
        if (shard.role === 'leader') this.#leaders.learn(shard.shard, nodeId)
      }
    } catch (error) {
      this.stats.failures++
      const before = this.#reports.get(nodeId)
      if (before?.healthy !== false) {
        this.#logger.warn('storage node not answering', { node: nodeId, error: String(error) })
      }
      this.#reports.set(nodeId, { healthy: false, status: null, atMs })
    }
  }

  /** The leader of `group` as reported by a healthy node that says it leads, or null. */
  #reportedLeader(group: number): string | null {
    for (const [nodeId, report] of this.#reports) {
      if (!report.healthy || report.status === null) continue
      const shard = report.status.shards.find((entry) => entry.shard === group)
      if (shard?.role === 'leader') return nodeId
    }
    return null
  }

  clusterStatus(): ClusterStatus {
    const map = this.#map
    const nodes = map.nodes().map((node) => ({
      id: node.id,
      address: `${node.host}:${node.port}`,
      healthy: this.#reports.get(node.id)?.healthy ?? false,
    }))
    const shards = []
    for (let group = 0; group <= map.shardCount; group++) {
      shards.push({
        shard: group,
        replicas: map.replicas(group),
        leader: this.#reportedLeader(group),
      })
    }
    return {
      epoch: map.epoch,
      shardCount: map.shardCount,
      replicationFactor: map.replicationFactor,
      nodes,
      shards,
    }
  }

  readiness(): Readiness {
    const reasons: string[] = []
    if (this.#reports.size === 0) reasons.push('no storage node has been polled yet')
    const leaderless: number[] = []
    for (let group = 0; group <= this.#map.shardCount; group++) {
      if (this.#reportedLeader(group) === null) leaderless.push(group)
    }
    if (leaderless.length > 0) {
      const list = leaderless.slice(0, 8).join(', ') + (leaderless.length > 8 ? ', ...' : '')
      reasons.push(`${leaderless.length} groups have no known leader (${list})`)
    }
    return { ready: reasons.length === 0, reasons }
  }
}
