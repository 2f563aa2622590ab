/**
 * ShardMap: the gateway's versioned view of the cluster map — which nodes exist, where they
 * listen, and which nodes hold each Raft group. key -> shard by jump hash (shared/hashing), shard
 * -> replicas from the map's placement (rendezvous hashing, computed by the catalog).
 *
 * Groups: data shards are 0..shardCount-1; the catalog is group `shardCount`.
 */
import type { ClusterMap } from '../../shared/api/storage-api.ts'
import { assert } from '../../shared/assert.ts'
import type { ClusterFile } from '../../shared/config/cluster-file.ts'
import { replicasOf } from '../../shared/hashing/rendezvous.ts'
import { shardOf } from '../../shared/hashing/shard-of.ts'

export interface NodeAddress {
  readonly id: string
  readonly host: string
  readonly port: number
}

export class ShardMap {
  readonly epoch: number
  readonly shardCount: number
  readonly replicationFactor: number
  readonly catalogGroup: number
  readonly #nodes: ReadonlyMap<string, NodeAddress>
  /** replicas[group], best first; replicas[shardCount] is the catalog group. */
  readonly #replicas: readonly (readonly string[])[]

  constructor(map: ClusterMap) {
    assert(map.placement.length === map.shardCount, 'placement must cover every shard')
    this.epoch = map.epoch
    this.shardCount = map.shardCount
    this.replicationFactor = map.replicationFactor
    this.catalogGroup = map.shardCount
    const nodes = new Map<string, NodeAddress>()
    for (const node of map.nodes) nodes.set(node.id, { id: node.id, ...splitAddress(node.address) })
    this.#nodes = nodes
    const nodeIds = map.nodes.map((node) => node.id)
    const catalog = replicasOf(map.shardCount, { nodeIds, replicaCount: map.replicationFactor })
    this.#replicas = [...map.placement, catalog]
    for (const replicas of this.#replicas) {
      for (const id of replicas) assert(nodes.has(id), `placement names unknown node ${id}`)
    }
  }

  /** The map a cluster file implies, before any node has been asked (epoch 0). */
  static fromClusterFile(file: ClusterFile): ShardMap {
    const nodeIds = file.nodes.map((node) => node.id)
    const placement: string[][] = []
    for (let shard = 0; shard < file.shardCount; shard++) {
      placement.push(replicasOf(shard, { nodeIds, replicaCount: file.replicationFactor }))
    }
    return new ShardMap({
      epoch: 0,
      shardCount: file.shardCount,
      replicationFactor: file.replicationFactor,
      nodes: file.nodes.map((node) => ({ id: node.id, address: node.address })),
      placement,
    })
  }

  shardOf(table: string, partitionKey: Uint8Array): number {
    return shardOf({ table, partitionKey }, { shardCount: this.shardCount })
  }

  replicas(group: number): readonly string[] {
    const replicas = this.#replicas[group]
    assert(replicas !== undefined, `no group ${group}`)
    return replicas
  }

  node(id: string): NodeAddress | undefined {
    return this.#nodes.get(id)
  }

  nodes(): NodeAddress[] {
    return [...this.#nodes.values()]
  }
}

function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':')
  assert(colon > 0, `bad node address ${address}`)
  return {
    host: address.slice(0, colon).replace(/^\[|\]$/g, ''),
    port: Number(address.slice(colon + 1)),
  }
}
