// Goal: every request gets a request id (the client's when valid, else a fresh UUID), echoed on
// the response and present on the request's log lines. Method: a small Hono app wired like
// app.ts (requestContext first, errors through errorHandler with requestLogger) and a real
// PinoLogger writing into a memory stream whose JSON lines the test parses.
import { Hono } from 'hono'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { PinoLogger } from '../../shared/logging/pino-logger.ts'
import { errorHandler, newErrorStats } from '../http-errors.ts'
import {
  openApiRoute,
  requestContext,
  requestIdHeader,
  requestIdOf,
  requestLogger,
} from './request-context.ts'

function capture(): { logger: PinoLogger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString())
      done()
    },
  })
  const logger = PinoLogger.create({ name: 'test', level: 'info', stream })
  const lines = (): Array<Record<string, unknown>> =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { logger, lines }
}

function appWith(logger: PinoLogger): Hono {
  const app = new Hono()
  const stats = newErrorStats()
  app.onError((error, c) => errorHandler(requestLogger(c, logger), stats)(error, c))
  app.use(requestContext({ tracing: false }))
  app.get('/ok', (c) => c.text('ok'))
  app.get('/raw', () => new Response('raw'))
  app.get('/boom', () => {
    throw new Error('kaboom')
  })
  return app
}

describe('request context', () => {
  it('request id: a valid client id is kept; absent, empty, long or unsafe gets a UUID', () => {
    expect(requestIdOf('abc-123_x.y:z/1+2=3@w')).toBe('abc-123_x.y:z/1+2=3@w')
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
    for (const bad of [undefined, '', 'x'.repeat(129), 'has space', 'new\nline', 'é']) {
      expect(requestIdOf(bad)).toMatch(uuid)
    }
    expect(requestIdOf(undefined)).not.toBe(requestIdOf(undefined))
  })

  it('request id: echoed on every response, however the handler built it', async () => {
    const app = appWith(capture().logger)
    for (const path of ['/ok', '/raw', '/boom', '/missing']) {
      const sent = await app.request(path, { headers: { [requestIdHeader]: `id-${path.length}` } })
      expect([path, sent.headers.get(requestIdHeader)]).toEqual([path, `id-${path.length}`])
      const fresh = await app.request(path)
      expect(fresh.headers.get(requestIdHeader)).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('request id: a failed request: its error log line carries the request id', async () => {
    const { logger, lines } = capture()
    const response = await appWith(logger).request('/boom', {
      headers: { [requestIdHeader]: 'failing-request-7' },
    })
    expect(response.status).toBe(500)
    const failed = lines().filter((line) => line['msg'] === 'request failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ requestId: 'failing-request-7', message: 'kaboom' })
    expect(failed[0]).not.toHaveProperty('traceId') // tracing is off: no active span
  })

  it('openApiRoute: Hono parameters become OpenAPI braces, constraints dropped', () => {
    expect(openApiRoute('/v1/tables/:table/keys/:key')).toBe('/v1/tables/{table}/keys/{key}')
    expect(openApiRoute('/v1/x/:id{[0-9]+}/y')).toBe('/v1/x/{id}/y')
    expect(openApiRoute('/metrics')).toBe('/metrics')
  })
})
