// Goal: for every item read it takes, the fast path answers what the Hono app answers: status,
// headers (but Date and generated request ids) and body, for found, absent, missing tables,
// encoded keys, eventual reads, an echoed X-Request-Id and a deadline that passes.
// The raw edge (edge/raw-edge.ts) in front of the fast path answers the same again.
// Method: one MemoryBackend under a manual clock behind three real node:http servers: the fast
// path in front of the app, the app alone, and the raw edge in front of the first; the same
// requests to all three; answers compared.
import { getRequestListener } from '@hono/node-server'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture } from '../routes/route-fixture.ts'
import { answerOf, closeServersAfterAll, fastPathFor, type Answer } from './answers.test-helper.ts'
import { installRawEdge, RawEdge } from '../edge/raw-edge.ts'

const deadlineMs = 1_000
const gate = { hang: false }
const f = buildFixture({
  auth: false,
  limits: { deadlineMsDefault: deadlineMs },
  gate: (operation) =>
    operation === 'get' && gate.hang ? new Promise<void>(() => {}) : Promise.resolve(),
})
const fast = fastPathFor(f, deadlineMs)
const app = getRequestListener(f.app.fetch)
const servers: Server[] = [
  createServer((request, response) => {
    if (!fast.handle(request, response)) void app(request, response)
  }),
  createServer((request, response) => void app(request, response)),
  createServer((request, response) => {
    if (!fast.handle(request, response)) void app(request, response)
  }),
]
const edge = new RawEdge({
  serve: (url, requestId, response) => fast.serveGet(url, requestId, response),
  headerBytesMax: 16 * 1024,
  keepAliveTimeoutMs: 5_000,
  requestsPerSocketMax: 1_000,
  wallMs: () => Date.now(),
})
installRawEdge(servers[2]!, edge)
const bases: string[] = []

beforeAll(async () => {
  for (const server of servers) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    bases.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  }
  await f.createTable('alpha')
  expect((await f.send('PUT', '/v1/tables/alpha/keys/k', { body: 'value k' })).status).toBe(201)
  const slash = await f.send('PUT', '/v1/tables/alpha/keys/a%2Fb', {
    body: '{"x":1}',
    headers: { 'content-type': 'application/json' },
  })
  expect(slash.status).toBe(201)
})

closeServersAfterAll(servers)
afterAll(() => edge.closeAll())

/** The same GET through every server: [fast path in front, app alone, raw edge in front]. */
async function all(path: string, headers: Record<string, string> = {}): Promise<Answer[]> {
  return Promise.all(bases.map(async (base) => answerOf(await fetch(base + path, { headers }))))
}

describe('fast path vs app', () => {
  it('fast path vs app: reads the fast path takes: the same answers', async () => {
    const paths = [
      '/v1/tables/alpha/keys/k',
      '/v1/tables/alpha/keys/k?consistency=strong',
      '/v1/tables/alpha/keys/k?consistency=eventual',
      '/v1/tables/alpha/keys/k?consistency=eventual&maxStalenessMs=500',
      '/v1/tables/alpha/keys/a%2Fb',
      '/v1/tables/alpha/keys/absent',
      '/v1/tables/nothere/keys/k',
    ]
    const readsBefore = fast.stats.reads
    const answeredBefore = edge.stats.answered
    for (const path of paths) {
      const [viaFast, viaApp, viaEdge] = await all(path, { 'x-request-id': 'req-1' })
      expect({ path, ...viaFast }).toEqual({ path, ...viaApp })
      expect({ path, ...viaEdge }).toEqual({ path, ...viaApp })
    }
    expect(fast.stats.reads - readsBefore).toBe(2 * paths.length)
    expect(edge.stats.answered - answeredBefore).toBe(paths.length)
  })

  it('fast path vs app: the deadline passes during the read: the same 504', async () => {
    gate.hang = true
    try {
      const pending = all('/v1/tables/alpha/keys/k')
      await new Promise((resolve) => setTimeout(resolve, 50))
      f.clock.advance(deadlineMs)
      const [viaFast, viaApp, viaEdge] = await pending
      expect(viaFast?.status).toBe(504)
      expect(viaFast).toEqual(viaApp)
      expect(viaEdge).toEqual(viaApp)
    } finally {
      gate.hang = false
    }
  })
})
