// /metrics against a real cluster: 3 storage node processes and a gateway process on loopback.
// Method: scrape, send known traffic through the REST client, scrape again, and check that the
// text parses as Prometheus exposition (a strict parser) and that each counter moved by what
// the traffic implies: 500 concurrent strong reads of one key add exactly 500 client reads,
// far fewer backend reads, 500 observations to the read route's histogram, and a hot key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  parsePrometheusText,
  sampleSum,
  sampleValue,
  type ParsedFamily,
} from '../../shared/metrics/parse-prometheus.test-helper.ts'
import type { ShoalClient } from '../../shared/client/shoal-client.ts'
import { ShoalHttpError } from '../../shared/client/shoal-client.ts'
import {
  startGatewayOverCluster,
  type GatewayOverCluster,
} from '../harness/gateway-over-cluster.ts'

let setup: GatewayOverCluster | undefined
let client: ShoalClient
let baseUrl: string

type Scrape = Map<string, ParsedFamily>

async function scrape(): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return parsePrometheusText(await response.text())
}

const readRoute = {
  http_route: '/v1/tables/:table/keys/:key',
  http_request_method: 'GET',
  http_response_status_class: '2xx',
}

beforeAll(async () => {
  setup = await startGatewayOverCluster({ nodes: 3, shardCount: 4 })
  baseUrl = setup.baseUrl
  client = setup.client
  await client.createTable('metrics', {})
}, 90_000)

afterAll(async () => {
  await setup?.close()
})

describe('metrics e2e', () => {
  it('metrics e2e: a scrape: parses, with every family the operators rely on', async () => {
    const families = await scrape()
    for (const name of [
      'http_server_request_duration_seconds',
      'shoal_client_reads_total',
      'shoal_backend_reads_total',
      'shoal_coalescer_joined_total',
      'shoal_coalescer_waited_for_next_total',
      'shoal_coalescer_shed_total',
      'shoal_coalescer_fan_in_total',
      'shoal_hot_cache_hits_total',
      'shoal_hot_cache_misses_total',
      'shoal_hot_keys',
      'shoal_rpc_requests_total',
      'shoal_leader_cache_learned_total',
      'shoal_http_errors_total',
      'shoal_node_up',
    ]) {
      expect(families.has(name), name).toBe(true)
    }
    for (const node of ['n1', 'n2', 'n3']) {
      expect(sampleValue(families, 'shoal_node_up', { node })).toBe(1)
    }
    expect(sampleValue(families, 'shoal_groups_without_leader')).toBe(0)
    expect(sampleSum(families, 'shoal_rpc_requests_total')).toBeGreaterThan(0)
  })

  it('metrics e2e: 500 concurrent strong reads: +500 client, far fewer backend', async () => {
    const written = await client.put('metrics', 'hot', 'x')
    const before = await scrape()
    const reads = await Promise.all(Array.from({ length: 500 }, () => client.get('metrics', 'hot')))
    for (const read of reads) expect(read!.version).toBeGreaterThanOrEqual(written.version)
    const after = await scrape()
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sampleSum(after, name, labels) - sampleSum(before, name, labels)
    const clientReads = delta('shoal_client_reads_total')
    const backendReads = delta('shoal_backend_reads_total')
    expect(clientReads).toBe(500)
    expect(backendReads).toBeGreaterThanOrEqual(1)
    expect(backendReads).toBeLessThanOrEqual(100) // coalescing ratio >= 5 (measured: see report)
    const fanIn = delta('shoal_coalescer_fan_in_total')
    expect(fanIn).toBe(500) // every waiter settled by exactly one flight
    // A strong read never joins a flight already sent; it waits for the next one.
    expect(delta('shoal_coalescer_joined_total')).toBe(0)
    expect(delta('shoal_coalescer_waited_for_next_total')).toBeGreaterThanOrEqual(
      500 - backendReads,
    )
    const strong = { ...readRoute, shoal_consistency: 'strong' }
    expect(delta('http_server_request_duration_seconds_count', strong)).toBe(500)
    expect(delta('http_server_request_duration_seconds_sum', strong)).toBeGreaterThan(0)
    expect(sampleValue(after, 'shoal_hot_keys')).toBeGreaterThanOrEqual(1)
    console.info(`metrics e2e: 500 strong reads -> ${backendReads} backend reads`)
  })

  it('metrics e2e: eventual reads of the hot key: served by the hot cache', async () => {
    const before = await scrape()
    for (let i = 0; i < 50; i++) {
      await client.get('metrics', 'hot', { consistency: 'eventual', maxStalenessMs: 10_000 })
    }
    const after = await scrape()
    const hits =
      sampleValue(after, 'shoal_hot_cache_hits_total') -
      sampleValue(before, 'shoal_hot_cache_hits_total')
    expect(hits).toBeGreaterThan(0)
    const eventual = { ...readRoute, shoal_consistency: 'eventual' }
    expect(sampleSum(after, 'http_server_request_duration_seconds_count', eventual)).toBe(50)
  })

  it('metrics e2e: an error answer: counted by its code', async () => {
    const before = await scrape()
    const failed = await client.get('no-such-table', 'k').catch((error: unknown) => error)
    expect(failed).toBeInstanceOf(ShoalHttpError)
    const after = await scrape()
    const notFound = (families: Scrape) =>
      sampleSum(families, 'shoal_http_errors_total', { code: 'not-found' })
    expect(notFound(after) - notFound(before)).toBe(1)
    const fourxx = { ...readRoute, http_response_status_class: '4xx' }
    expect(sampleSum(after, 'http_server_request_duration_seconds_count', fourxx)).toBe(1)
  })
})
