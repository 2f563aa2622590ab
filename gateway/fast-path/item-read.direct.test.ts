// Goal: over a backend with the callback form of get (`getDirect`), the fast path answers what
// the Hono app answers through `get`, ends a read at the request deadline with the same 504,
// shares one flight's answer among its waiters, and lets a client that leaves take only its
// own waiter off the flight. Method: a real MemoryBackend behind a real CoalescedReader (get
// through `read`, getDirect through `join`) under a manual clock, behind two node:http servers:
// the fast path in front of the app, and the app alone; the same requests to both.
import { getRequestListener } from '@hono/node-server'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AbortLike } from '../../shared/abort/abort-latch.ts'
import { SilentLogger } from '../../shared/log.ts'
import type { Clock } from '../../shared/time/clock.ts'
import { ManualClock } from '../../test/harness/manual-clock.ts'
import { buildApp } from '../app.ts'
import { readCoalescingKey } from '../backend/cluster-backend.ts'
import type * as B from '../backend/gateway-backend.ts'
import { HotPath } from '../backend/hot-path.ts'
import { MemoryBackend } from '../backend/memory-backend.ts'
import { defaultHotCacheOptions, HotCache } from '../cache/hot-cache.ts'
import { CoalescedReader, type CoalescedRead } from '../coalescer/coalesced-reader.ts'
import { Coalescer, defaultCoalescerOptions } from '../coalescer/coalescer.ts'
import { defaultHotKeyDetectorOptions, HotKeyDetector } from '../hot-keys/detector.ts'
import { newErrorStats } from '../http-errors.ts'
import { defaultEdgeLimits } from '../middleware/edge-env.ts'
import { ListHotKeySource } from '../routes/route-fixture.ts'
import { answerOf, closeServersAfterAll, type Answer } from './answers.test-helper.ts'
import { ItemReadFastPath } from './item-read.ts'

const deadlineMs = 1_000
/** Backend gets wait on `gate.open` while it is set. */
const gate: { open: Promise<void> | null } = { open: null }

/** The in-memory model read through a coalescer, in both of get's forms. */
class CoalescingMemoryBackend extends MemoryBackend {
  readonly coalescer = new Coalescer(defaultCoalescerOptions)
  /** Reads that came through getDirect (the fast path's route). */
  directReads = 0
  readonly #clock: Clock
  readonly #reader: CoalescedReader<B.GetRequest, B.GetResult>

  constructor(clock: ManualClock) {
    super({ clock, gate: (operation) => (operation === 'get' && gate.open) || Promise.resolve() })
    this.#clock = clock
    // A flight's AbortLatch, as the memory backend's AbortSignal.
    const read = (request: B.GetRequest, latch: AbortLike): Promise<B.GetResult> => {
      const controller = new AbortController()
      latch.addEventListener('abort', () => controller.abort(latch.reason), { once: true })
      return MemoryBackend.prototype.get.call(this, request, { signal: controller.signal })
    }
    this.#reader = new CoalescedReader(clock, clock, this.coalescer, {
      keyOf: readCoalescingKey,
      readBackend: (request, { signal }) => read(request, signal),
    })
  }

  override async get(request: B.GetRequest, options: B.CallOptions): Promise<B.GetResult> {
    const read = await this.#reader.read(request, {
      consistency: request.consistency,
      deadlineMs: this.#clock.monotonicMs() + 60_000,
      signal: options.signal,
    })
    return withCoalescing(read)
  }

  getDirect(
    request: B.GetRequest,
    options: B.DirectGetOptions,
    sink: B.DirectGetSink,
  ): B.DirectGetTicket | null {
    this.directReads++
    const join = { consistency: request.consistency, ...options }
    return this.#reader.join(request, join, {
      readSettled: (error, read) =>
        error === null
          ? sink.getSettled(null, withCoalescing(read!))
          : sink.getSettled(error, null),
    })
  }
}

function withCoalescing(read: CoalescedRead<B.GetResult>): B.GetResult {
  if (read.value.kind === 'table-not-found') return read.value
  return { ...read.value, coalescing: { role: read.role, fanIn: read.fanIn } }
}

const clock = new ManualClock()
const backend = new CoalescingMemoryBackend(clock)
const limits = { ...defaultEdgeLimits, deadlineMsDefault: deadlineMs }
const app = buildApp({
  backend,
  hotKeys: new ListHotKeySource(),
  clock,
  timers: clock,
  logger: new SilentLogger(),
  auth: { enabled: false },
  limits,
})
const fast = new ItemReadFastPath({
  backend,
  hot: new HotPath(clock, {
    detector: new HotKeyDetector(defaultHotKeyDetectorOptions),
    cache: new HotCache(defaultHotCacheOptions),
    options: { maxStalenessMsDefault: 100, cacheWarmEventual: false },
  }),
  clock,
  timers: clock,
  logger: new SilentLogger(),
  limits,
  errorStats: newErrorStats(),
  metrics: null,
  authEnabled: false,
  tracing: false,
})
const listener = getRequestListener(app.fetch)
const servers: Server[] = [
  createServer((request, response) => {
    if (!fast.handle(request, response)) void listener(request, response)
  }),
  createServer((request, response) => void listener(request, response)),
]
const bases: string[] = []

beforeAll(async () => {
  for (const server of servers) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    bases.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  }
  const created = await app.request('/v1/tables/alpha', { method: 'PUT', body: '{}' })
  expect(created.status).toBe(201)
  const put = await app.request('/v1/tables/alpha/keys/k', { method: 'PUT', body: 'value k' })
  expect(put.status).toBe(201)
})

closeServersAfterAll(servers)

async function get(base: string, path: string): Promise<Answer> {
  return answerOf(await fetch(base + path, { headers: { 'x-request-id': 'req-1' } }))
}

/** Opens the gate after the requests have reached their flights. */
async function hold(): Promise<() => Promise<void>> {
  let open = (): void => {}
  gate.open = new Promise<void>((resolve) => (open = resolve))
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, 50))
    gate.open = null
    open()
  }
}

const fastBase = (): string => bases[0] ?? ''
const strongPath = '/v1/tables/alpha/keys/k?consistency=strong'

describe('fast path over getDirect', () => {
  it('fast path direct: reads it takes: the same answers as the app through get', async () => {
    const paths = [
      '/v1/tables/alpha/keys/k',
      strongPath,
      '/v1/tables/alpha/keys/k?consistency=eventual&maxStalenessMs=500',
      '/v1/tables/alpha/keys/absent?consistency=strong',
      '/v1/tables/nothere/keys/k',
    ]
    const readsBefore = fast.stats.reads
    const directBefore = backend.directReads
    for (const path of paths) {
      const [viaFast, viaApp] = await Promise.all(bases.map((base) => get(base, path)))
      expect({ path, ...viaFast }).toEqual({ path, ...viaApp })
    }
    expect(fast.stats.reads - readsBefore).toBe(paths.length)
    expect(backend.directReads - directBefore).toBe(paths.length)
    const found = await get(fastBase(), strongPath)
    expect(found.headers).toMatchObject({ 'x-shoal-coalesced': 'leader', 'x-shoal-fan-in': '1' })
  })

  it('fast path direct: the deadline passes during the read: the same 504', async () => {
    const open = await hold()
    try {
      const pending = Promise.all(bases.map((base) => get(base, '/v1/tables/alpha/keys/k')))
      await new Promise((resolve) => setTimeout(resolve, 50))
      clock.advance(deadlineMs)
      const [viaFast, viaApp] = await pending
      expect(viaFast?.status).toBe(504)
      expect(viaFast).toEqual(viaApp)
    } finally {
      await open()
    }
  })

  it('fast path direct: many strong reads of one key: one flight, one shared answer', async () => {
    const open = await hold()
    const first = get(fastBase(), strongPath)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const rest = Array.from({ length: 5 }, () => get(fastBase(), strongPath))
    await open()
    const answers = await Promise.all([first, ...rest])
    expect(answers.map((answer) => answer.headers['x-shoal-fan-in'])).toEqual([
      '1',
      ...rest.map(() => '5'),
    ])
    const roles = answers.slice(1).map((answer) => answer.headers['x-shoal-coalesced'])
    expect(roles.sort()).toEqual(['follower', 'follower', 'follower', 'follower', 'leader'])
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 200, body: 'value k' })
      expect(answer.headers['content-length']).toBe('7')
      expect(answer.headers['x-request-id']).toBe('req-1')
    }
  })

  it('fast path direct: a client leaves: only its waiter leaves the flight', async () => {
    const open = await hold()
    const leftBefore = backend.coalescer.stats.left
    const staying = get(fastBase(), strongPath)
    const leaving = httpRequest(fastBase() + strongPath)
    leaving.on('error', () => {})
    leaving.end()
    await new Promise((resolve) => setTimeout(resolve, 50))
    leaving.destroy()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(backend.coalescer.stats.left - leftBefore).toBe(1)
    await open()
    expect(await staying).toMatchObject({ status: 200, body: 'value k' })
    expect(backend.coalescer.waiterCount).toBe(0)
  })
})
