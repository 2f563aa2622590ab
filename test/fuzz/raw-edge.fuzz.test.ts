/**
 * Goal: the raw edge (gateway/edge/raw-edge.ts) in front of node:http changes nothing a client
 * can observe for the worse: no byte sequence makes the gateway answer 500, hang, serve a body
 * over the limit or lose data; pipelined requests on one connection are answered in order, each
 * by the right reader; a slowloris still gets node's 408. Method: the real app with auth off
 * (so the item-read fast path and the raw edge run, as on a loopback `npm start`) served by
 * serveGateway exactly as main.ts serves it, fed by the HTTP fuzz suite's generator and judged
 * by its oracle (raw-http.ts); a sentinel item written first must read back intact at the end.
 */
import { connect } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveGateway, type GatewayServer } from '../../gateway/edge/serve-gateway.ts'
import { fastPathFor } from '../../gateway/fast-path/answers.test-helper.ts'
import { buildFixture, type Fixture } from '../../gateway/routes/route-fixture.ts'
import { fuzzLimits, requestArb, trickleHead, judgedExchange, plainGet } from './raw-http.ts'

const { limitBytes, timeouts, replyDeadlineMs } = fuzzLimits
const seed = Number(process.env.SHOAL_SEED ?? Date.now() % 1_000_000)

let fixture: Fixture
let gateway: GatewayServer

beforeAll(async () => {
  fixture = buildFixture({
    auth: false,
    limits: { valueBytesMax: limitBytes, jsonBodyBytesMax: limitBytes },
    rateLimit: { ratePerSecDefault: 1_000_000, burstDefault: 1_000_000 },
  })
  await fixture.createTable('fuzz')
  await fixture.createTable('vault')
  for (const [path, body] of [
    ['/v1/tables/vault/keys/sentinel', 'keep'],
    ['/v1/tables/vault/keys/k', 'value k'],
  ] as const) {
    expect((await fixture.send('PUT', path, { body })).status).toBeLessThan(300)
  }
  gateway = await serveGateway({
    fetch: fixture.app.fetch,
    host: '127.0.0.1',
    port: 0,
    fastPath: fastPathFor(fixture, 5_000),
    rawEdge: true,
    wallMs: () => Date.now(),
    limits: timeouts,
  })
})

afterAll(() => gateway.close())

async function sentinelIntact(): Promise<void> {
  const response = await fixture.send('GET', '/v1/tables/vault/keys/sentinel')
  expect(response.status).toBe(200)
  expect(await response.text()).toBe('keep')
}

/** Writes `text` on one connection and collects everything until the server closes it. */
function conversation(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: gateway.port }, () => socket.write(text))
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(received))
    setTimeout(() => socket.destroy(), replyDeadlineMs)
  })
}

const validGet = plainGet('/v1/tables/fuzz/keys/k')

describe('fuzz: the raw edge in front of node:http', () => {
  it('raw edge fuzz: raw requests: no 5xx, problem+json, limit held, data intact', async () => {
    console.log(`raw edge fuzz seed ${seed} (SHOAL_SEED=${seed} to replay)`)
    const edge = gateway.edge!
    const before = { ...edge.stats }
    await fc.assert(
      fc.asyncProperty(requestArb(limitBytes), async (request) => {
        await judgedExchange(gateway.port, request, null, true)
      }),
      // Besides the random runs, a read the raw edge answers whatever the seed generates.
      { numRuns: 150, seed, examples: [[validGet]] },
    )
    expect(fixture.errorStats.internalErrors).toBe(0)
    // Not vacuous: both readers answered some of the generated requests.
    expect(edge.stats.answered).toBeGreaterThan(before.answered)
    expect(edge.stats.handedOff).toBeGreaterThan(before.handedOff)
    await sentinelIntact()
  }, 120_000)

  it('raw edge fuzz: pipelined reads and writes on one connection answer in order', async () => {
    const item = (key: string, query = '', extra = ''): string =>
      `GET /v1/tables/vault/keys/${key}${query} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`
    const put = 'PUT /v1/tables/vault/keys/p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfresh'
    // In table vault, which the generator never names. node:http starts pipelined requests
    // before earlier ones finish (a read after an unacknowledged write may miss it, as on any
    // connection), so the read after the PUT is of another key, and the PUT is checked after.
    const text = await conversation(
      item('k') +
        item('k', '?consistency=eventual') +
        item('absent') +
        put +
        item('k', '?consistency=strong', 'Connection: close\r\n'),
    )
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))
    expect(statuses).toEqual([200, 200, 404, 201, 200])
    const bodies = text.split(/HTTP\/1\.1 \d{3}/).slice(1)
    for (const at of [0, 1, 4]) expect(bodies[at]).toMatch(/\r\n\r\nvalue k$/)
    expect(bodies[2]).toContain('application/problem+json')
    expect(bodies[3]).toMatch(/"version":\d+/)
    const written = await fixture.send('GET', '/v1/tables/vault/keys/p')
    expect(await written.text()).toBe('fresh')
    await sentinelIntact()
  })

  it('raw edge fuzz: slowloris: a head trickled byte by byte gets 408 and a close', async () => {
    const started = performance.now()
    const head = 'GET /v1/tables/fuzz/keys/k HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
    const reply = await trickleHead(gateway.port, head, replyDeadlineMs)
    expect(reply.text.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout')
    expect(reply.closed).toBe(true)
    expect(performance.now() - started).toBeLessThan(timeouts.headersTimeoutMs + 2_000)
  }, 30_000)
})
