/**
 * The edge under test: buildApp over a real MemoryBackend with virtual time, a fixed set of API
 * keys, and helpers to send requests in-process (`app.request`, no socket). Used by the route,
 * middleware and property tests.
 */
import { expect } from 'vitest'
import { SilentLogger } from '../../shared/log.ts'
import { ManualClock } from '../../test/harness/manual-clock.ts'
import { buildApp } from '../app.ts'
import { MemoryBackend } from '../backend/memory-backend.ts'
import { newErrorStats, problemContentType, type ProblemBody } from '../http-errors.ts'
import { hashApiKey, type ApiKeyConfig, type AuthConfig } from '../middleware/auth.ts'
import type { EdgeLimits } from '../middleware/edge-env.ts'
import type { HotKey, HotKeySource } from './hot-keys.ts'

/** Bearer tokens of the fixture's keys. */
export const tokens = {
  ops: 'ops-secret-0001',
  alice: 'alice-secret-0001',
  aliceReader: 'alice-reader-0001',
  bob: 'bob-secret-0001',
  revoked: 'revoked-secret-0001',
} as const

export const fixtureKeys: readonly ApiKeyConfig[] = [
  { id: 'ops', sha256Hex: hashApiKey(tokens.ops), grants: { '*': 'admin' } },
  { id: 'alice', sha256Hex: hashApiKey(tokens.alice), grants: { alpha: 'admin', shared: 'write' } },
  { id: 'alice-reader', sha256Hex: hashApiKey(tokens.aliceReader), grants: { alpha: 'read' } },
  { id: 'bob', sha256Hex: hashApiKey(tokens.bob), grants: { beta: 'admin' } },
  {
    id: 'revoked',
    sha256Hex: hashApiKey(tokens.revoked),
    grants: { '*': 'admin' },
    revoked: true,
  },
]

/** A fixed list standing in for the detector (gateway/hot-keys/ is built separately). */
export class ListHotKeySource implements HotKeySource {
  keys: HotKey[] = []
  lastQuery: { windowMs: number; limit: number } | null = null
  top(query: { windowMs: number; limit: number }): readonly HotKey[] {
    this.lastQuery = query
    return this.keys.slice(0, query.limit)
  }
}

export interface FixtureOptions {
  readonly auth?: boolean
  readonly limits?: Partial<EdgeLimits>
  readonly gate?: (operation: string, signal: AbortSignal) => Promise<void>
  readonly rateLimit?: { ratePerSecDefault: number; burstDefault: number }
}

export function buildFixture(options: FixtureOptions = {}) {
  const clock = new ManualClock()
  const backend = new MemoryBackend({
    clock,
    ...(options.gate === undefined ? {} : { gate: options.gate }),
  })
  const hotKeys = new ListHotKeySource()
  const errorStats = newErrorStats()
  const auth: AuthConfig =
    options.auth === false ? { enabled: false } : { enabled: true, keys: fixtureKeys }
  const app = buildApp({
    backend,
    hotKeys,
    clock,
    timers: clock,
    logger: new SilentLogger(),
    auth,
    errorStats,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
  })
  /** Sends one request as `token` (the ops key by default; null for none). */
  function send(
    method: string,
    path: string,
    init: {
      body?: string | Uint8Array
      headers?: Record<string, string>
      token?: string | null
    } = {},
  ): Promise<Response> {
    const headers = new Headers(init.headers)
    const token = init.token === undefined ? tokens.ops : init.token
    if (token !== null && !headers.has('authorization')) {
      headers.set('authorization', `Bearer ${token}`)
    }
    return Promise.resolve(
      app.request(path, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
      }),
    )
  }
  async function createTable(name: string, settings: Record<string, unknown> = {}) {
    const response = await send('PUT', `/v1/tables/${name}`, { body: JSON.stringify(settings) })
    expect(response.status).toBe(201)
  }
  return { app, backend, clock, hotKeys, errorStats, send, createTable }
}

export type Fixture = ReturnType<typeof buildFixture>

/** Asserts a problem+json answer with `status` and returns its body. */
export async function expectProblem(response: Response, status: number): Promise<ProblemBody> {
  const text = await response.text()
  expect(response.status, text).toBe(status)
  expect(response.headers.get('content-type')).toBe(problemContentType)
  const body = JSON.parse(text) as ProblemBody
  expect(body.status).toBe(status)
  expect(typeof body.type).toBe('string')
  expect(typeof body.title).toBe('string')
  expect(typeof body.detail).toBe('string')
  return body
}
