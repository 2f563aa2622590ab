/**
 * Goal: the same raw-socket fuzz as http-edge.fuzz.test.ts, against the real gateway process in
 * front of a real storage node (production limits and server options, auth off on loopback):
 * never a 500, never a crash, problem+json errors, bodies over the 1 MiB limit never served,
 * and a sentinel item written first still intact. Method: ClusterFixture (one node) plus the
 * gateway spawned from gateway/main.ts; a short fast-check run (numRuns bounded) of raw-http.ts
 * requests; after it the gateway process must still be running and ready.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ShoalClient } from '../../shared/client/shoal-client.ts'
import { limits } from '../../shared/limits.ts'
import {
  startGatewayOverCluster,
  type GatewayOverCluster,
} from '../harness/gateway-over-cluster.ts'
import type { Spawned } from '../harness/processes.ts'
import { exchange, requestArb, violation } from './raw-http.ts'

const seed = Number(process.env.SHOAL_SEED ?? Date.now() % 1_000_000)
const limitBytes = limits.gatewayValueBytesMax
let setup: GatewayOverCluster | undefined
let gateway: Spawned
let port = 0
let client: ShoalClient

beforeAll(async () => {
  setup = await startGatewayOverCluster({
    nodes: 1,
    shardCount: 1,
    env: { SHOAL_LOG_LEVEL: 'error' },
  })
  gateway = setup.gateway
  port = setup.port
  client = new ShoalClient({ baseUrl: setup.baseUrl, timeoutMs: 10_000 })
  await client.createTable('fuzz', {})
  await client.createTable('vault', {})
  await client.put('vault', 'sentinel', 'keep')
}, 90_000)

afterAll(async () => {
  await setup?.close()
})

describe('fuzz: real gateway process', () => {
  it('gateway process fuzz: raw requests: no 5xx, limit held, sentinel intact', async () => {
    console.log(`gateway process fuzz seed ${seed} (SHOAL_SEED=${seed} to replay)`)
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(requestArb(limitBytes), async (request) => {
        const reply = await exchange(port, request, null, 15_000)
        const reason = violation(request, reply, limitBytes, true)
        if (reason !== null) throw new Error(`${reason}\n${reply.head}`)
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1)
      }),
      { numRuns: 100, seed },
    )
    console.log(`gateway process fuzz: statuses ${JSON.stringify([...statuses].sort())}`)
    // Not vacuous: requests reached the routes (404 problem) and the body limit (413).
    expect(statuses.get(404) ?? 0).toBeGreaterThan(0)
    expect(statuses.get(413) ?? 0).toBeGreaterThan(0)
    expect(gateway.child.exitCode, gateway.output().slice(-2_000)).toBeNull()
    expect(await client.ready()).toBe(true)
    const item = await client.get('vault', 'sentinel')
    expect(new TextDecoder().decode(item!.value)).toBe('keep')
  }, 180_000)
})
