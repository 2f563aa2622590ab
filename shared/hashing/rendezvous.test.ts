// Goal: rendezvous placement is balanced and moves few replicas when the node set changes.
// Method: brute force over 1024 shards: add one node to N (for several N and node-name sets)
// and count shards whose replica set changed (bound 1.2 * R/N) and replicas moved; removing a
// node moves only the shards it held; each node's share of replicas stays near R/N.
import { describe, expect, it } from 'vitest'
import { placement, replicasOf } from './rendezvous.ts'

const shardCount = 1024
const replicaCount = 3

function nodes(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`)
}

describe('rendezvous', () => {
  it('rendezvous: add a node to N: changes <= 1.2 * R/N of shards, one replica each', () => {
    for (const prefix of ['node', 'host', '10.0.0']) {
      for (const nodeCount of [4, 5, 8, 12, 20]) {
        const before = placement({ shardCount, nodeIds: nodes(nodeCount, prefix), replicaCount })
        const grown = nodes(nodeCount + 1, prefix)
        const after = placement({ shardCount, nodeIds: grown, replicaCount })
        const newcomer = grown[nodeCount]!
        let changedShards = 0
        for (let shard = 0; shard < shardCount; shard++) {
          const old = new Set(before[shard])
          const now = after[shard]!
          const added = now.filter((node) => !old.has(node))
          if (added.length === 0) continue
          changedShards++
          expect(added).toEqual([newcomer])
        }
        const changedShare = changedShards / shardCount
        expect(changedShare).toBeLessThanOrEqual((1.2 * replicaCount) / nodeCount)
        // Replicas moved: one per changed shard, out of shardCount * R replicas.
        expect(changedShards / (shardCount * replicaCount)).toBeLessThanOrEqual(
          (1.2 * 1) / nodeCount,
        )
      }
    }
  })

  it('rendezvous: remove a node: only the shards it held change', () => {
    const all = nodes(9, 'node')
    const before = placement({ shardCount, nodeIds: all, replicaCount })
    const removed = all[4]!
    const after = placement({ shardCount, nodeIds: all.filter((n) => n !== removed), replicaCount })
    for (let shard = 0; shard < shardCount; shard++) {
      if (before[shard]!.includes(removed)) continue
      expect(after[shard]).toEqual(before[shard])
    }
  })

  it('rendezvous: 10 nodes: each holds about R/N of the replicas', () => {
    const nodeIds = nodes(10, 'node')
    const held = new Map<string, number>()
    for (const replicas of placement({ shardCount, nodeIds, replicaCount })) {
      expect(new Set(replicas).size).toBe(replicaCount)
      for (const node of replicas) held.set(node, (held.get(node) ?? 0) + 1)
    }
    const mean = (shardCount * replicaCount) / nodeIds.length
    for (const count of held.values()) expect(Math.abs(count - mean) / mean).toBeLessThan(0.15)
  })

  it('rendezvous: node order in the list: does not change placement', () => {
    const nodeIds = nodes(7, 'node')
    const reversed = [...nodeIds].reverse()
    for (let shard = 0; shard < 64; shard++) {
      expect(replicasOf(shard, { nodeIds, replicaCount })).toEqual(
        replicasOf(shard, { nodeIds: reversed, replicaCount }),
      )
    }
  })

  it('rendezvous: too few or duplicate nodes: assertion', () => {
    expect(() => replicasOf(0, { nodeIds: ['a', 'b'], replicaCount: 3 })).toThrow()
    expect(() => replicasOf(0, { nodeIds: ['a', 'a', 'b'], replicaCount: 2 })).toThrow()
  })
})
