/**
 * Topology: who holds which Raft group, derived from the cluster file alone, so every node
 * computes the same answer. Data shards 0..shardCount-1 are placed on replicationFactor nodes
 * by rendezvous hashing; the catalog is group `shardCount`, placed the same way. A node's Raft
 * id is its 1-based position in the file's node list. Membership is static: changing the node
 * list of a running cluster needs membership changes (a later issue).
 */
import type { ClusterMap } from '../../shared/api/storage-api.ts'
import { ShoalError } from '../../shared/errors.ts'
import { replicasOf } from '../../shared/hashing/rendezvous.ts'
import type { ClusterFile } from '../../shared/config/cluster-file.ts'
import type { NodeId } from '../raft/messages.ts'

export class Topology {
  readonly shardCount: number
  readonly catalogGroup: number
  readonly replicationFactor: number
  readonly nodeIds: readonly string[]
  readonly #addresses: ReadonlyMap<string, string>
  readonly #replicas: string[][] = []

  constructor(file: ClusterFile) {
    this.shardCount = file.shardCount
    this.catalogGroup = file.shardCount
    this.replicationFactor = file.replicationFactor
    this.nodeIds = file.nodes.map((node) => node.id)
    this.#addresses = new Map(file.nodes.map((node) => [node.id, node.address]))
    const options = { nodeIds: this.nodeIds, replicaCount: file.replicationFactor }
    for (let group = 0; group <= this.catalogGroup; group++) {
      this.#replicas.push(replicasOf(group, options))
    }
  }

  raftId(nodeId: string): NodeId {
    const index = this.nodeIds.indexOf(nodeId)
    if (index < 0) throw new ShoalError('not-found', `unknown node ${nodeId}`)
    return index + 1
  }

  /** The node id string of a Raft id, or null for 0 (no leader) or an unknown id. */
  nodeIdOf(raftId: NodeId): string | null {
    return this.nodeIds[raftId - 1] ?? null
  }

  address(nodeId: string): string {
    const address = this.#addresses.get(nodeId)
    if (address === undefined) throw new ShoalError('not-found', `unknown node ${nodeId}`)
    return address
  }

  replicas(group: number): readonly string[] {
    const replicas = this.#replicas[group]
    if (replicas === undefined) throw new ShoalError('not-found', `no group ${group}`)
    return replicas
  }

  voters(group: number): NodeId[] {
    return this.replicas(group).map((id) => this.raftId(id)).sort((a, b) => a - b)
  }

  /** Every group (data shards and the catalog) with a replica on `nodeId`. */
  groupsOf(nodeId: string): number[] {
    const out: number[] = []
    for (let group = 0; group <= this.catalogGroup; group++) {
      if (this.replicas(group).includes(nodeId)) out.push(group)
    }
    return out
  }

  clusterMap(): ClusterMap {
    return {
      epoch: 1,
      shardCount: this.shardCount,
      replicationFactor: this.replicationFactor,
      nodes: this.nodeIds.map((id) => ({ id, address: this.address(id) })),
      placement: this.#replicas.slice(0, this.shardCount).map((r) => [...r]),
    }
  }
}
