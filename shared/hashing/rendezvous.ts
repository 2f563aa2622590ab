/**
 * shard -> replica nodes by rendezvous (highest-random-weight) hashing: every node gets the
 * weight xxhash64(nodeId, seed = mix(shard)) for a shard, and the R highest weights hold it,
 * in descending weight order (ties, which need a 64-bit collision, break by node id). Adding a
 * node changes a shard's set only when the new node's weight enters its top R, so about
 * R/(N + 1) of the shards gain it and each such shard loses exactly one old replica; removing
 * a node moves only the shards it held.
 */
import { assert } from '../assert.ts'
import { xxhash64 } from './xxhash64.ts'

const u64Mask = (1n << 64n) - 1n

/** splitmix64's finaliser: spreads small shard numbers over the whole 64-bit seed space. */
function mixShard(shard: number): bigint {
  let z = (BigInt(shard) + 0x9e3779b97f4a7c15n) & u64Mask
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & u64Mask
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & u64Mask
  return z ^ (z >> 31n)
}

export function rendezvousWeight(nodeId: string, shard: number): bigint {
  return xxhash64(nodeId, mixShard(shard))
}

/** The `replicaCount` nodes with the highest weight for `shard`, best first. */
export function replicasOf(
  shard: number,
  options: { nodeIds: readonly string[]; replicaCount: number },
): string[] {
  const { nodeIds, replicaCount } = options
  assert(Number.isSafeInteger(shard) && shard >= 0, 'shard must be a non-negative integer')
  assert(replicaCount >= 1, 'replica count must be at least 1')
  assert(replicaCount <= nodeIds.length, 'not enough nodes for the replica count')
  assert(new Set(nodeIds).size === nodeIds.length, 'node ids must be unique')
  const weighted = nodeIds.map((nodeId) => ({ nodeId, weight: rendezvousWeight(nodeId, shard) }))
  weighted.sort((a, b) =>
    a.weight !== b.weight ? (a.weight > b.weight ? -1 : 1) : a.nodeId < b.nodeId ? -1 : 1,
  )
  return weighted.slice(0, replicaCount).map((entry) => entry.nodeId)
}

/** Replica sets for shards 0..shardCount-1 (a cluster map's placement). */
export function placement(options: {
  shardCount: number
  nodeIds: readonly string[]
  replicaCount: number
}): string[][] {
  const out: string[][] = []
  for (let shard = 0; shard < options.shardCount; shard++) out.push(replicasOf(shard, options))
  return out
}
