/**
 * Goal: a 3-node storage cluster (real processes on loopback) keeps every acknowledged write
 * across a SIGKILL of the leader, applies each write once and in order, and a node restarted
 * after missing writes catches up to identical state. Method: acknowledged writes (some keys
 * overwritten, so order matters) are recorded; the leader of their shard is SIGKILLed; then
 * every key is read with a strong read and must show its last acknowledged value and version;
 * versions must grow in acknowledgement order; the killed node is restarted and its per-shard
 * checksums must equal the others'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'
import { waitFor } from '../harness/processes.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
let cluster: ClusterFixture

beforeAll(async () => {
  cluster = await ClusterFixture.start({ nodes: 3, shardCount: 2 })
  await cluster.waitForLeaders()
  await cluster.createTable('items')
})

afterAll(async () => {
  await cluster?.close()
})

describe('storage cluster: leader failover', () => {
  it('storage cluster: leader SIGKILLed after acked writes: all survive once, in order',
    async () => {
    const acked = new Map<string, { value: string; version: number }>()
    const versionsInAckOrder = new Map<string, number[]>()
    for (let i = 0; i < 60; i++) {
      const key = `k${i % 12}`
      const value = `v${i}`
      const answer = await cluster.put('items', key, encoder.encode(value))
      expect(answer.kind).toBe('ok')
      if (answer.kind !== 'ok') return
      acked.set(key, { value, version: answer.version })
      versionsInAckOrder.set(key, [...(versionsInAckOrder.get(key) ?? []), answer.version])
    }
    for (const versions of versionsInAckOrder.values()) {
      for (let i = 1; i < versions.length; i++) {
        expect(versions[i]!).toBeGreaterThan(versions[i - 1]!)
      }
    }
    const shard = cluster.shardOf('items', encoder.encode('k0'))
    const leader = await cluster.leaderOf(shard)
    expect(leader).not.toBeNull()
    await cluster.kill(leader!)
    for (const [key, want] of acked) {
      const got = await cluster.get('items', key, 'strong', 15_000)
      expect(got.kind, key).toBe('found')
      if (got.kind !== 'found') return
      expect(decoder.decode(got.item.value), key).toBe(want.value)
      expect(got.item.version, key).toBe(want.version)
    }
    // A write after failover gets a higher version than everything before it.
    const after = await cluster.put('items', 'k0', encoder.encode('after'))
    expect(after.kind).toBe('ok')
    if (after.kind === 'ok') expect(after.version).toBeGreaterThan(acked.get('k0')!.version)

    await cluster.startNode(leader!)
    await cluster.waitConverged(20_000)
  })

  it('storage cluster: eventual read on a follower: reports its applied index', async () => {
    const answer = await cluster.put('items', 'ev', encoder.encode('x'))
    expect(answer.kind).toBe('ok')
    const partitionKey = encoder.encode('ev')
    const shard = cluster.shardOf('items', partitionKey)
    const leader = await cluster.leaderOf(shard)
    const follower = cluster.alive().find((n) => n.id !== leader)!
    const params = { shard, table: 'items', partitionKey, sortKey: new Uint8Array(0),
      consistency: 'eventual' }
    await waitFor('follower applied the write', async () => {
      const got = (await cluster.call(follower.id, StorageMethod.get, params)) as {
        kind: string; appliedIndex: number }
      return got.kind === 'found' && got.appliedIndex >= (answer.kind === 'ok' ? answer.version : 0)
    }, { timeoutMs: 5_000, intervalMs: 20 })
    const strong = (await cluster.call(follower.id, StorageMethod.get,
      { ...params, consistency: 'strong' })) as { kind: string; leaderHint: string | null }
    expect(strong).toEqual({ kind: 'not-leader', leaderHint: leader })
  })
})
