// Goal: http-errors.ts is the single, total mapping of error codes to HTTP: every code has one
// status, 429/503 carry Retry-After, 500s hide their message, and unknown exceptions thrown
// by a route become a counted, logged 500 without internals in the body.
// Method: the mapping is checked over every ErrorCode; the error handler through a small
// Hono app whose routes throw.
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'
import { AssertionError } from '../shared/assert.ts'
import { errorCodes, ShoalError } from '../shared/errors.ts'
import type { LogFields, Logger } from '../shared/log.ts'
import {
  errorHandler,
  httpMappingOf,
  newErrorStats,
  problemContentType,
  problemResponse,
  withRetryAfter,
} from './http-errors.ts'

class ListLogger implements Logger {
  readonly lines: Array<{ message: string; fields: LogFields | undefined }> = []
  debug(): void {}
  info(): void {}
  warn(): void {}
  error(message: string, fields?: LogFields): void {
    this.lines.push({ message, fields })
  }
  child(): Logger {
    return this
  }
}

describe('http-errors: mapping', () => {
  it('http-errors: every code maps to one 4xx/5xx status with a title', () => {
    for (const code of errorCodes) {
      const mapping = httpMappingOf(code)
      expect(mapping.status, code).toBeGreaterThanOrEqual(400)
      expect(mapping.status, code).toBeLessThan(600)
      expect(mapping.title.length, code).toBeGreaterThan(0)
    }
  })

  it('http-errors: the statuses the API promises', () => {
    const expected: Record<string, number> = {
      'bad-request': 400,
      unauthorized: 401,
      forbidden: 403,
      'not-found': 404,
      conflict: 409,
      'version-mismatch': 412,
      'too-large': 413,
      'rate-limited': 429,
      'shard-unavailable': 503,
      overloaded: 503,
      'deadline-exceeded': 504,
      internal: 500,
    }
    for (const [code, status] of Object.entries(expected)) {
      const error = new ShoalError(code as ShoalError['code'], 'x')
      expect(problemResponse(error).status, code).toBe(status)
    }
  })

  it('http-errors: Retry-After on every 429 and 503, and only there', () => {
    for (const code of errorCodes) {
      const response = problemResponse(new ShoalError(code, 'x'))
      const needs = response.status === 429 || response.status === 503
      expect(response.headers.has('retry-after'), code).toBe(needs)
    }
    const limited = withRetryAfter(new ShoalError('rate-limited', 'x'), 2_500)
    expect(problemResponse(limited).headers.get('retry-after')).toBe('3')
  })

  it('http-errors: body is problem+json; 500s do not echo their message', async () => {
    const response = problemResponse(new ShoalError('corruption', 'bad block in /data/001.sst'))
    expect(response.headers.get('content-type')).toBe(problemContentType)
    const body = (await response.json()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['detail', 'status', 'title', 'type'])
    expect(JSON.stringify(body)).not.toContain('/data/001.sst')
  })
})

describe('http-errors: handler', () => {
  function appThrowing(error: unknown) {
    const logger = new ListLogger()
    const stats = newErrorStats()
    const app = new Hono()
    app.onError(errorHandler(logger, stats))
    app.get('/', () => {
      throw error
    })
    return { app, logger, stats }
  }

  it('http-errors: an unknown exception: 500, counted, logged with stack, body clean', async () => {
    const secret = new TypeError('cannot read x of undefined at /srv/gateway/secret.ts:1')
    const { app, logger, stats } = appThrowing(secret)
    const response = await app.request('/')
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(text).not.toContain('secret')
    expect(text).not.toContain('TypeError')
    expect(stats.internalErrors).toBe(1)
    expect(logger.lines[0]?.fields?.['stack']).toContain('TypeError')
  })

  it('http-errors: an assertion failure is a 500 as well, not a crash', async () => {
    const { app, stats } = appThrowing(new AssertionError('invariant broken'))
    expect((await app.request('/')).status).toBe(500)
    expect(stats.internalErrors).toBe(1)
  })

  it("http-errors: Hono's HTTPExceptions keep their 4xx meaning", async () => {
    const { app } = appThrowing(new HTTPException(400, { message: 'malformed' }))
    const response = await app.request('/')
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe(problemContentType)
  })

  it('http-errors: ShoalErrors are not logged as failures when they are 4xx', async () => {
    const { app, logger, stats } = appThrowing(new ShoalError('not-found', 'no item'))
    expect((await app.request('/')).status).toBe(404)
    expect(logger.lines).toHaveLength(0)
    expect(stats.byStatus.get(404)).toBe(1)
  })

  it('http-errors: a backend failure reaches the client as 503 with Retry-After', async () => {
    const { app } = appThrowing(new ShoalError('shard-unavailable', 'no leader for shard 3'))
    const response = await app.request('/')
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('1')
  })
})
