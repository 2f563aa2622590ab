/**
 * NodePool: one persistent RpcClient per storage node, created on first use and kept for the
 * gateway's life (each multiplexes every request to that node over one connection).
 */
import type { Logger } from '../../shared/log.ts'
import type { Prng } from '../../shared/random/prng.ts'
import { RpcClient } from '../../shared/rpc/rpc-client.ts'
import type { Clock, Timers } from '../../shared/time/clock.ts'
import type { ShardMap } from '../routing/shard-map.ts'

export class NodePool {
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #prng: Prng
  readonly #logger: Logger
  readonly #options: { clusterId: string; gatewayId: string }
  readonly #clients = new Map<string, RpcClient>()
  #map: ShardMap

  constructor(
    clock: Clock,
    timers: Timers,
    prng: Prng,
    logger: Logger,
    options: { clusterId: string; gatewayId: string; map: ShardMap },
  ) {
    this.#clock = clock
    this.#timers = timers
    this.#prng = prng
    this.#logger = logger
    this.#options = { clusterId: options.clusterId, gatewayId: options.gatewayId }
    this.#map = options.map
  }

  /** Switches to a newer map; clients of nodes whose address changed are replaced. */
  updateMap(map: ShardMap): void {
    for (const [id, client] of this.#clients) {
      const before = this.#map.node(id)
      const after = map.node(id)
      if (after === undefined || before?.host !== after.host || before.port !== after.port) {
        client.close()
        this.#clients.delete(id)
      }
    }
    this.#map = map
  }

  /** The client for `nodeId`, or undefined if the map does not know the node. */
  client(nodeId: string): RpcClient | undefined {
    const existing = this.#clients.get(nodeId)
    if (existing !== undefined) return existing
    const node = this.#map.node(nodeId)
    if (node === undefined) return undefined
    const client = new RpcClient(this.#clock, this.#timers, this.#prng.fork(), this.#logger, {
      host: node.host,
      port: node.port,
      clusterId: this.#options.clusterId,
      nodeId: this.#options.gatewayId,
      peerNodeId: nodeId,
    })
    this.#clients.set(nodeId, client)
    return client
  }

  clients(): ReadonlyMap<string, RpcClient> {
    return this.#clients
  }

  close(): void {
    for (const client of this.#clients.values()) client.close()
    this.#clients.clear()
  }
}
