// Goal: the bench's etcd peer is a real 3-member cluster that the JSON gateway client can write,
// read both ways, fail over and bound by deadlines. Method: start Debian's etcd on loopback
// (skipped with a reason when the binary is absent), drive it, SIGKILL members by pid.
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../test/harness/processes.ts'
import { EtcdCluster } from './etcd-cluster.ts'
import { EtcdRequestError } from './etcd-client.ts'

const binary = ['/usr/bin/etcd', '/usr/local/bin/etcd'].find((p) => existsSync(p))
const value = new TextEncoder().encode('v'.repeat(100))

describe.skipIf(binary === undefined)('EtcdCluster (needs Debian etcd-server)', () => {
  let cluster: EtcdCluster

  beforeAll(async () => {
    cluster = await EtcdCluster.start(binary!, 3)
  })

  afterAll(async () => {
    const pids = cluster.pids()
    await cluster.close()
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow()
  })

  it('EtcdCluster: started: three members on loopback, the etcd 3.4 /v3 gateway prefix', () => {
    expect(cluster.urls()).toHaveLength(3)
    for (const url of cluster.urls()) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(cluster.client.prefix).toBe('/v3')
  })

  it('EtcdCluster: put on one member: linearizable read on another sees it', async () => {
    const [a, b, c] = cluster.urls()
    await cluster.client.put(a!, 'k1', value, 2_000)
    expect(await cluster.client.range(b!, 'k1', false, 2_000)).toBe(true)
    expect(await cluster.client.range(c!, 'absent', false, 2_000)).toBe(false)
  })

  it('EtcdCluster: serializable read on a follower: sees the put in time', async () => {
    const url = cluster.urls()[2]!
    await cluster.client.put(cluster.urls()[0]!, 'k2', value, 2_000)
    await waitFor('k2 on the follower', () => cluster.client.range(url, 'k2', true, 1_000), {
      timeoutMs: 5_000,
    })
  })

  it('EtcdCluster: leader SIGKILLed: another member leads and takes writes', async () => {
    const leader = await cluster.leader()
    expect(leader).not.toBeNull()
    await cluster.kill(leader!, 'SIGKILL')
    expect(cluster.urls()).toHaveLength(2)
    await waitFor(
      'a new leader',
      async () => {
        const now = await cluster.leader()
        return now !== null && now !== leader
      },
      { timeoutMs: 10_000 },
    )
    await cluster.client.put(cluster.urls()[0]!, 'after', value, 3_000)
  })

  it('EtcdCluster: quorum lost: a put fails within its deadline, not after', async () => {
    const leader = await cluster.leader()
    await cluster.kill(leader!, 'SIGKILL')
    const started = performance.now()
    const error = await cluster.client
      .put(cluster.urls()[0]!, 'k3', value, 400)
      .catch((e: unknown) => e)
    const waited = performance.now() - started
    expect(error).toBeInstanceOf(EtcdRequestError)
    expect(waited).toBeLessThan(400 + 500)
  })
})
