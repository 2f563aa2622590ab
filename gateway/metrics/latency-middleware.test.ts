// The latency middleware and RequestMetrics in a real Hono app with virtual time: each request
// is observed once, labelled by route template (never the raw path), method, status class and
// consistency, with its duration from the injected clock; errors are counted by code, thrown or
// not; label sets past the series limit fold into route="(other)".
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { ShoalError } from '../../shared/errors.ts'
import { SilentLogger } from '../../shared/log.ts'
import {
  parsePrometheusText,
  sampleSum,
  sampleValue,
} from '../../shared/metrics/parse-prometheus.test-helper.ts'
import { renderPrometheusText } from '../../shared/metrics/prometheus-text.ts'
import { ManualClock } from '../../test/harness/manual-clock.ts'
import { errorHandler, newErrorStats, notFoundResponse } from '../http-errors.ts'
import type { EdgeEnv } from '../middleware/edge-env.ts'
import { requestLatency } from './latency-middleware.ts'
import { RequestMetrics } from './request-metrics.ts'

function buildTestApp(metrics: RequestMetrics, clock: ManualClock): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>()
  app.onError(errorHandler(new SilentLogger(), newErrorStats()))
  app.notFound(notFoundResponse)
  app.use(requestLatency(clock, metrics))
  app.use('/v1/*', async (_c, next) => next()) // a second `use`, as auth is in buildApp
  app.get('/v1/tables/:table/keys/:key', async (c) => {
    const sleepMs = Number(c.req.query('sleepMs') ?? 0)
    if (sleepMs > 0) await new Promise<void>((resolve) => clock.after(sleepMs, resolve))
    if (c.req.param('key') === 'boom') throw new ShoalError('shard-unavailable', 'no leader')
    if (c.req.param('key') === 'bug') throw new Error('a bug')
    return c.text('ok')
  })
  app.put('/v1/tables/:table/keys/:key', (c) => c.text('stored'))
  return app
}

function scrape(metrics: RequestMetrics) {
  return parsePrometheusText(renderPrometheusText(metrics.families()))
}

const route = '/v1/tables/:table/keys/:key'

describe('requestLatency', () => {
  it('requestLatency: reads and writes: labelled by template, consistency, timed', async () => {
    const clock = new ManualClock()
    const metrics = new RequestMetrics()
    const app = buildTestApp(metrics, clock)
    const slow = app.request('/v1/tables/t/keys/a?sleepMs=20')
    await new Promise((resolve) => setImmediate(resolve)) // the handler is waiting on its timer
    clock.advance(20)
    expect((await slow).status).toBe(200)
    await app.request('/v1/tables/t/keys/b?consistency=eventual')
    await app.request('/v1/tables/t/keys/c', { method: 'PUT', body: 'x' })
    const families = scrape(metrics)
    const labels = (method: string, consistency: string) => ({
      http_route: route,
      http_request_method: method,
      http_response_status_class: '2xx',
      shoal_consistency: consistency,
    })
    const count = 'http_server_request_duration_seconds_count'
    expect(sampleValue(families, count, labels('GET', 'strong'))).toBe(1)
    expect(sampleValue(families, count, labels('GET', 'eventual'))).toBe(1)
    expect(sampleValue(families, count, labels('PUT', 'none'))).toBe(1)
    const sum = 'http_server_request_duration_seconds_sum'
    expect(sampleValue(families, sum, labels('GET', 'strong'))).toBeCloseTo(0.02)
    const bucket = 'http_server_request_duration_seconds_bucket'
    expect(sampleValue(families, bucket, { ...labels('GET', 'strong'), le: '0.01' })).toBe(0)
    expect(sampleValue(families, bucket, { ...labels('GET', 'strong'), le: '0.025' })).toBe(1)
    expect(metrics.stats.requests).toBe(3)
    expect(metrics.all.count).toBe(3)
  })

  it('requestLatency: errors: counted by code, thrown or not; raw paths never labels', async () => {
    const clock = new ManualClock()
    const metrics = new RequestMetrics()
    const app = buildTestApp(metrics, clock)
    expect((await app.request('/v1/tables/t/keys/boom')).status).toBe(503)
    expect((await app.request('/v1/tables/t/keys/bug')).status).toBe(500)
    expect((await app.request('/nowhere/secret-path')).status).toBe(404)
    const families = scrape(metrics)
    expect(sampleValue(families, 'shoal_http_errors_total', { code: 'shard-unavailable' })).toBe(1)
    expect(sampleValue(families, 'shoal_http_errors_total', { code: 'internal' })).toBe(1)
    expect(sampleValue(families, 'shoal_http_errors_total', { code: 'not-found' })).toBe(1)
    const count = 'http_server_request_duration_seconds_count'
    expect(sampleSum(families, count, { http_route: '(unmatched)' })).toBe(1)
    expect(
      sampleSum(families, count, { http_route: route, http_response_status_class: '5xx' }),
    ).toBe(2)
    const text = renderPrometheusText(metrics.families())
    expect(text).not.toContain('secret-path')
  })

  it('RequestMetrics: past seriesMax label sets: folded into route="(other)"', () => {
    const metrics = new RequestMetrics({ seriesMax: 2 })
    for (const route of ['/a', '/b', '/c', '/d']) {
      metrics.observe({
        route,
        method: 'BREW',
        status: 200,
        consistency: 'none',
        seconds: 0.001,
        errorCode: null,
      })
    }
    const families = scrape(metrics)
    const count = 'http_server_request_duration_seconds_count'
    expect(sampleValue(families, count, { http_route: '(other)' })).toBe(2)
    expect(sampleValue(families, count, { http_route: '/a', http_request_method: 'OTHER' })).toBe(1)
    expect(metrics.stats.seriesOverflowed).toBe(2)
  })
})
