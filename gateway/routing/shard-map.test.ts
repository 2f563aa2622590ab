// ShardMap: built from a cluster file it agrees with rendezvous placement, routes keys to
// shards in range, and places the catalog group on replicationFactor distinct nodes.
import { describe, expect, it } from 'vitest'
import { parseClusterFile } from '../../shared/config/cluster-file.ts'
import { utf8 } from '../../shared/codecs/bytes.ts'
import { ShardMap } from './shard-map.ts'

const file = parseClusterFile(
  `clusterId: t
shardCount: 8
nodes:
  - { id: n1, address: "127.0.0.1:7101" }
  - { id: n2, address: "127.0.0.1:7102" }
  - { id: n3, address: "127.0.0.1:7103" }
  - { id: n4, address: "[::1]:7104" }
`,
  'test',
)

describe('shard map', () => {
  it('shard map: from cluster file: every group has 3 distinct known replicas', () => {
    const map = ShardMap.fromClusterFile(file)
    for (let group = 0; group <= map.shardCount; group++) {
      const replicas = map.replicas(group)
      expect(new Set(replicas).size).toBe(3)
      for (const id of replicas) expect(map.node(id)).toBeDefined()
    }
    expect(map.catalogGroup).toBe(8)
    expect(map.node('n4')).toEqual({ id: 'n4', host: '::1', port: 7104 })
  })
  it('shard map: shardOf: in range and stable', () => {
    const map = ShardMap.fromClusterFile(file)
    const shard = map.shardOf('users', utf8('alice'))
    expect(shard).toBeGreaterThanOrEqual(0)
    expect(shard).toBeLessThan(8)
    expect(map.shardOf('users', utf8('alice'))).toBe(shard)
  })
})
