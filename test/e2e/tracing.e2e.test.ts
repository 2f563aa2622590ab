// Goal: one gateway request produces one connected trace down to the storage node: the HTTP
// server span, the coalescer wait, the RPC client span, the node's RPC server span and, below
// it, the LSM get (reads) or the Raft proposal (writes), all sharing one trace id with correct
// parent links. Method: a real 3-node cluster (StorageNode, real disks) and the gateway's real
// app and cluster backend, all in this process so one tracer provider (the real NodeSDK with an
// in-memory exporter) sees every span; gateway and nodes still talk over real TCP RPC.
// Then the production path: gateway and node processes configured only by OTEL_* variables
// export over OTLP/HTTP (JSON) to a collector in this test, and one GET's spans from both
// processes share a trace id.
import { SpanKind } from '@opentelemetry/api'
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadClusterFile } from '../../shared/config/cluster-file.ts'
import { SilentLogger } from '../../shared/log.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { SystemClock, SystemTimers } from '../../shared/time/clock.ts'
import { startTracing } from '../../shared/tracing/tracing.ts'
import { buildApp } from '../../gateway/app.ts'
import {
  buildClusterBackend,
  type BuiltClusterBackend,
} from '../../gateway/backend/build-cluster-backend.ts'
import { TracedBackend } from '../../gateway/metrics/traced-backend.ts'
import { StorageNode } from '../../storage/node/storage-node.ts'
import { NodeFileSystem } from '../../storage/vfs/node-fs.ts'
import { ShoalClient } from '../../shared/client/shoal-client.ts'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'
import { freePort, spawnTs, stop, tempDir, waitFor, type Spawned } from '../harness/processes.ts'

const exporter = new InMemorySpanExporter()
const tracing = startTracing({
  serviceName: 'tracing-e2e',
  env: {},
  spanProcessors: [new SimpleSpanProcessor(exporter)],
})
const clock = new SystemClock()
const timers = new SystemTimers()
const nodes: StorageNode[] = []
let cluster: BuiltClusterBackend
let app: ReturnType<typeof buildApp>

const itemPath = '/v1/tables/traced/keys/k1'

async function startCluster(): Promise<string> {
  const dir = tempDir('tracing')
  const ports = [await freePort(), await freePort(), await freePort()]
  const lines = ['clusterId: tracing', 'shardCount: 2', 'replicationFactor: 3', `dataDir: ${dir}`]
  lines.push(
    'nodes:',
    ...ports.flatMap((port, i) => [`  - id: n${i + 1}`, `    address: 127.0.0.1:${port}`]),
  )
  const configPath = join(dir, 'cluster.yaml')
  writeFileSync(configPath, lines.join('\n') + '\n')
  const file = loadClusterFile(configPath)
  for (const [i, port] of ports.entries()) {
    const node = await StorageNode.open({
      cluster: file,
      nodeId: `n${i + 1}`,
      dataDir: join(dir, `n${i + 1}`),
      listen: { host: '127.0.0.1', port },
      fs: new NodeFileSystem(),
      clock,
      timers,
      prng: new SeededPrng(i + 1),
      logger: new SilentLogger(),
      tickMs: 20,
    })
    await node.start()
    nodes.push(node)
  }
  return configPath
}

function request(path: string, init: RequestInit = {}): Promise<Response> {
  return Promise.resolve(app.request(path, init))
}

/** The spans of the one trace whose root is the gateway's HTTP server span. */
function traceOf(rootName: string): ReadableSpan[] {
  const spans = exporter.getFinishedSpans()
  const root = spans.find((span) => span.name === rootName && span.parentSpanContext === undefined)
  expect(root, `a root span named ${rootName}`).toBeDefined()
  return spans.filter((span) => span.spanContext().traceId === root!.spanContext().traceId)
}

function childrenOf(spans: ReadableSpan[], parent: ReadableSpan, name?: string): ReadableSpan[] {
  return spans.filter(
    (span) =>
      span.parentSpanContext?.spanId === parent.spanContext().spanId &&
      (name === undefined || span.name === name),
  )
}

/** The one child of `parent` named `name` (the last one when a retry made several). */
function child(spans: ReadableSpan[], parent: ReadableSpan, name: string): ReadableSpan {
  const found = childrenOf(spans, parent, name)
  expect(found.length, `${name} under ${parent.name}`).toBeGreaterThan(0)
  return found.at(-1)!
}

beforeAll(async () => {
  const file = loadClusterFile(await startCluster())
  cluster = buildClusterBackend(clock, timers, new SeededPrng(99), new SilentLogger(), {
    file,
    gatewayId: 'gw-tracing',
  })
  app = buildApp({
    backend: new TracedBackend(cluster.backend),
    hotKeys: cluster.hot,
    clock,
    timers,
    logger: new SilentLogger(),
    auth: { enabled: false },
    tracing: true,
  })
  cluster.start()
  await waitFor('gateway ready', () => cluster.backend.readiness().ready, {
    timeoutMs: 30_000,
    intervalMs: 50,
  })
  const created = await request('/v1/tables/traced', { method: 'PUT', body: '{}' })
  expect(created.status).toBeLessThan(300)
  // Warm every RPC connection: trace context rides only on connections past their handshake.
  for (let i = 0; i < 3; i++) {
    await request(itemPath, {
      method: 'PUT',
      body: 'warm',
      headers: { 'content-type': 'text/plain' },
    })
    await request(itemPath)
  }
}, 60_000)

afterAll(async () => {
  cluster?.stop()
  for (const node of nodes) await node.close()
  await tracing.shutdown()
})

beforeEach(() => exporter.reset())

describe('tracing e2e', () => {
  it('tracing e2e: one GET: HTTP > coalescer > RPC client > node server > LSM get', async () => {
    const response = await request(itemPath, { headers: { 'x-request-id': 'trace-me-1' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-request-id')).toBe('trace-me-1')
    await waitFor('spans ended', () => exporter.getFinishedSpans().length >= 6, {
      timeoutMs: 5_000,
      intervalMs: 10,
    })
    const spans = traceOf('GET /v1/tables/{table}/keys/{key}')
    const root = spans.find((span) => span.parentSpanContext === undefined)!
    expect(root.kind).toBe(SpanKind.SERVER)
    expect(root.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': itemPath,
      'http.route': '/v1/tables/{table}/keys/{key}',
      'http.response.status_code': 200,
      'shoal.request_id': 'trace-me-1',
    })
    const wait = child(spans, root, 'coalescer.wait')
    expect(wait.attributes).toMatchObject({
      'shoal.coalescer.role': 'leader',
      'shoal.coalescer.fan_in': 1,
    })
    const rpc = child(spans, wait, 'kv.get')
    expect(rpc.kind).toBe(SpanKind.CLIENT)
    expect(rpc.attributes['rpc.system']).toBe('shoal')
    const served = child(spans, rpc, 'kv.get')
    expect(served.kind).toBe(SpanKind.SERVER)
    expect(served.attributes['shoal.peer.node']).toBe('gw-tracing')
    const lsm = child(spans, served, 'lsm.get')
    expect(typeof lsm.attributes['shoal.shard']).toBe('number')
    child(spans, served, 'raft.read_index') // a strong read takes its read point first
    const traceId = root.spanContext().traceId
    for (const span of [wait, rpc, served, lsm]) expect(span.spanContext().traceId).toBe(traceId)
  })

  it('tracing e2e: one PUT: the node server span holds the Raft proposal to apply', async () => {
    const response = await request(itemPath, {
      method: 'PUT',
      body: 'traced value',
      headers: { 'content-type': 'text/plain' },
    })
    expect(response.status).toBeLessThan(300)
    const requestId = response.headers.get('x-request-id')
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
    await waitFor('spans ended', () => exporter.getFinishedSpans().length >= 4, {
      timeoutMs: 5_000,
      intervalMs: 10,
    })
    const spans = traceOf('PUT /v1/tables/{table}/keys/{key}')
    const root = spans.find((span) => span.parentSpanContext === undefined)!
    expect(root.attributes['shoal.request_id']).toBe(requestId)
    const rpc = child(spans, root, 'kv.put')
    const served = child(spans, rpc, 'kv.put')
    const propose = child(spans, served, 'raft.propose')
    expect(propose.attributes['shoal.raft.outcome']).toBe('applied')
  })

  it('tracing e2e: a request with a traceparent header: continues the caller trace', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    const response = await request(itemPath, { headers: { traceparent } })
    expect(response.status).toBe(200)
    const root = exporter
      .getFinishedSpans()
      .find((span) => span.name === 'GET /v1/tables/{table}/keys/{key}')!
    expect(root.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    expect(root.parentSpanContext?.spanId).toBe('00f067aa0ba902b7')
  })
})

/** An exported span as the OTLP/JSON body carries it, with its process's service.name. */
interface CollectedSpan {
  readonly service: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly name: string
}

interface OtlpAttribute {
  key: string
  value: { stringValue?: string }
}
interface OtlpBody {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] }
    scopeSpans?: Array<{ spans?: Array<Omit<CollectedSpan, 'service'>> }>
  }>
}

/** A minimal OTLP/HTTP JSON trace receiver: POST /v1/traces bodies become CollectedSpans. */
async function startCollector(spans: CollectedSpan[]): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      const parsed = JSON.parse(body) as OtlpBody
      for (const resourceSpans of parsed.resourceSpans ?? []) {
        const attributes = resourceSpans.resource?.attributes ?? []
        const service = attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? ''
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) spans.push({ ...span, service })
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${port}` }
}

describe('tracing e2e across processes (OTLP/HTTP)', () => {
  const collected: CollectedSpan[] = []
  let collector: { server: Server; url: string }
  let processes: ClusterFixture
  let gateway: Spawned
  let client: ShoalClient
  let baseUrl: string

  beforeAll(async () => {
    collector = await startCollector(collected)
    const otel = {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    }
    processes = await ClusterFixture.start({ nodes: 3, shardCount: 2, env: otel })
    await processes.waitForLeaders()
    const port = await freePort()
    const args = ['--config', processes.configPath, '--port', String(port)]
    gateway = spawnTs('gateway/main.ts', args, { env: { ...otel, SHOAL_LOG_LEVEL: 'warn' } })
    baseUrl = `http://127.0.0.1:${port}`
    client = new ShoalClient({ baseUrl })
    await waitFor('gateway ready', () => client.ready(), { timeoutMs: 30_000, intervalMs: 100 })
    await client.createTable('otlp', {})
    await client.put('otlp', 'k', new TextEncoder().encode('v'))
  }, 90_000)

  afterAll(async () => {
    if (gateway !== undefined) await stop(gateway)
    if (processes !== undefined) await processes.close()
    await new Promise<void>((resolve) => collector?.server.close(() => resolve()))
  })

  it('tracing e2e: OTLP: a GET: gateway and node spans reach the collector, linked', async () => {
    const traceparent = '00-7a3c0e51d1f2b4a6c8e0f1a2b3c4d5e6-1a2b3c4d5e6f7081-01'
    const response = await fetch(`${baseUrl}/v1/tables/otlp/keys/k`, { headers: { traceparent } })
    expect(response.status).toBe(200)
    const traceId = '7a3c0e51d1f2b4a6c8e0f1a2b3c4d5e6'
    const ours = (): CollectedSpan[] => collected.filter((span) => span.traceId === traceId)
    const rootName = 'GET /v1/tables/{table}/keys/{key}'
    const names = (): string[] => ours().map((span) => span.name)
    await waitFor(
      'gateway and node spans exported',
      () => {
        return names().includes('lsm.get') && names().includes(rootName)
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    )
    const root = ours().find((span) => span.name === rootName)
    expect(root?.service).toBe('shoal-gateway')
    expect(root?.parentSpanId).toBe('1a2b3c4d5e6f7081')
    const served = ours().filter(
      (span) => span.name === 'kv.get' && span.service === 'shoal-storage',
    )
    expect(served.length).toBeGreaterThan(0)
    const lsm = ours().find((span) => span.name === 'lsm.get')!
    expect(lsm.service).toBe('shoal-storage')
    expect(served.map((span) => span.spanId)).toContain(lsm.parentSpanId)
    const calls = ours().filter(
      (span) => span.name === 'kv.get' && span.service === 'shoal-gateway',
    )
    const parents = new Set(served.map((span) => span.parentSpanId))
    expect(calls.some((span) => parents.has(span.spanId))).toBe(true)
  })
})
