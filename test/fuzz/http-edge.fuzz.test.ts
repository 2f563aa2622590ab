/**
 * Goal: no byte sequence a client can send over a socket makes the gateway's HTTP edge answer
 * 500, crash, hang, serve a body over the limit, or lose data; and the planted bug
 * `body-limit-content-length-only` (gateway/middleware/body-limit.ts) is caught. Method: the
 * real app (buildApp over the MemoryBackend, route-fixture.ts) behind @hono/node-server with the
 * gateway's real server options (short timeouts), fed by fast-check with raw HTTP/1.1 requests
 * (arbitrary paths, percent-encodings, headers, sized / chunked / truncated / oversize / broken
 * bodies, slow writers); each reply is judged by raw-http.ts's oracle, and a sentinel item (in
 * table `vault`, which the generator never names: it may legitimately drop table `fuzz`)
 * written first must read back intact at the end. Bounded by numRuns (seconds per property).
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bodyLimitPlantedBug } from '../../gateway/middleware/body-limit.ts'
import {
  applyServerLimits,
  httpServerOptions,
} from '../../gateway/middleware/http-server-options.ts'
import { buildFixture, tokens, type Fixture } from '../../gateway/routes/route-fixture.ts'
import {
  exchange,
  fuzzLimits,
  oversizeBodyArb,
  requestArb,
  trickleHead,
  type RawRequest,
  judgedExchange,
  plainGet,
} from './raw-http.ts'

const { limitBytes, timeouts, replyDeadlineMs } = fuzzLimits
const seed = Number(process.env.SHOAL_SEED ?? Date.now() % 1_000_000)

let fixture: Fixture
let port = 0
let close: () => void = () => {}

beforeAll(async () => {
  fixture = buildFixture({
    limits: { valueBytesMax: limitBytes, jsonBodyBytesMax: limitBytes },
    rateLimit: { ratePerSecDefault: 1_000_000, burstDefault: 1_000_000 },
  })
  await fixture.createTable('fuzz')
  await fixture.createTable('vault')
  expect(
    (await fixture.send('PUT', '/v1/tables/vault/keys/sentinel', { body: 'keep' })).status,
  ).toBeLessThan(300)
  port = await new Promise<number>((resolve) => {
    const server = serve(
      {
        fetch: fixture.app.fetch,
        hostname: '127.0.0.1',
        port: 0,
        serverOptions: httpServerOptions(timeouts),
      },
      (info: AddressInfo) => resolve(info.port),
    )
    applyServerLimits(server as Parameters<typeof applyServerLimits>[0], timeouts)
    close = () => server.close()
  })
})

afterAll(() => close())

async function sentinelIntact(): Promise<void> {
  const response = await fixture.send('GET', '/v1/tables/vault/keys/sentinel')
  expect(response.status).toBe(200)
  expect(await response.text()).toBe('keep')
}

/** One request through the socket, judged; throws with the reason on a violation. */
function judged(request: RawRequest, authorized: boolean): Promise<number> {
  return judgedExchange(port, request, authorized ? tokens.ops : null, authorized)
}

const validPut: RawRequest = {
  method: 'PUT',
  path: '/v1/tables/fuzz/keys/well-formed',
  headers: [['content-type', 'text/plain']],
  body: { kind: 'length', bytes: 16, declared: 16 },
  pauseMs: 0,
}
const validGet = plainGet('/v1/tables/fuzz/keys/well-formed')

describe('fuzz: gateway HTTP edge over a socket', () => {
  it('http fuzz: raw requests: no 5xx, problem+json, limit held, data intact', async () => {
    console.log(`http fuzz seed ${seed} (SHOAL_SEED=${seed} to replay)`)
    const statuses = new Map<number, number>()
    await fc.assert(
      fc.asyncProperty(requestArb(limitBytes), fc.boolean(), async (request, authorized) => {
        const status = await judged(request, authorized)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }),
      // Besides the random runs, two well-formed requests that must reach the routes, so the
      // check below does not depend on the seed happening to generate one.
      {
        numRuns: 150,
        seed,
        examples: [
          [validPut, true],
          [validGet, true],
        ],
      },
    )
    console.log(`http fuzz: statuses ${JSON.stringify([...statuses].sort())}`)
    expect(fixture.errorStats.internalErrors).toBe(0)
    // Not vacuous: some requests reached the routes and many were refused.
    expect([...statuses].filter(([s]) => s < 300).length).toBeGreaterThan(0)
    expect(statuses.get(413) ?? 0).toBeGreaterThan(0)
    await sentinelIntact()
  }, 120_000)

  it('http fuzz: slow client: a trickled body times out with 408, no hang', async () => {
    const trickle: RawRequest = {
      method: 'PUT',
      path: '/v1/tables/fuzz/keys/slow',
      headers: [],
      body: { kind: 'chunked', chunks: 2, chunkBytes: 8, truncated: true },
      pauseMs: 0,
    }
    const started = performance.now()
    const reply = await exchange(port, trickle, tokens.ops, replyDeadlineMs)
    expect(reply.status).toBe(408)
    expect(performance.now() - started).toBeLessThan(timeouts.requestTimeoutMs + 2_000)
    expect((await fixture.send('GET', '/v1/tables/fuzz/keys/slow')).status).toBe(404)
    await sentinelIntact()
  }, 30_000)

  it('http fuzz: slowloris: headers trickled a byte at a time get 408 and a close', async () => {
    const started = performance.now()
    const head = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
    const reply = await trickleHead(port, head, replyDeadlineMs)
    expect(reply.text.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout')
    expect(reply.closed).toBe(true)
    expect(performance.now() - started).toBeLessThan(timeouts.headersTimeoutMs + 2_000)
  }, 30_000)

  it('http fuzz: planted body-limit-content-length-only: caught', async () => {
    bodyLimitPlantedBug.contentLengthOnly = true
    try {
      const oversize = fc.record({
        method: fc.constantFrom('PUT', 'POST', 'DELETE'),
        path: fc.constantFrom(
          '/v1/tables/vault/keys/sentinel',
          '/v1/tables/fuzz/multi-get',
          '/v1/tables/fuzz/keys/k',
        ),
        headers: fc.constant([]),
        body: oversizeBodyArb(limitBytes),
        pauseMs: fc.constant(0),
      })
      const result = await fc.check(
        fc.asyncProperty(oversize, async (request) => {
          await judged(request, true)
        }),
        { numRuns: 100, seed },
      )
      console.log(
        `planted body-limit-content-length-only: ${
          result.failed
            ? `caught after ${result.numRuns} generated requests (seed ${seed})`
            : 'NOT caught'
        }`,
      )
      expect(result.failed).toBe(true)
      expect(String(result.errorInstance)).toMatch(/over the limit/)
    } finally {
      bodyLimitPlantedBug.contentLengthOnly = false
    }
  }, 120_000)
})
