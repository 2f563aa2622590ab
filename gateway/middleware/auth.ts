/**
 * Bearer API-key authentication and per-table authorization (TESTING.md (e)).
 *
 * Keys are configured as SHA-256 digests (hex), never as secrets. A request's token is hashed,
 * looked up by digest, and the digests compared with crypto.timingSafeEqual. Outcomes:
 * no Authorization header -> 401; a header that is not `Bearer <token>` (the scheme is
 * case-insensitive; two headers arrive joined by a comma and fail the token syntax) -> 400;
 * an unknown or revoked key -> 401 with the same message. Authorization is per table with
 * scopes read < write < admin (each includes the ones before it); the grant for `*` covers every
 * table. A key without the scope on a table gets 403 whether the table exists or not, and the
 * check runs before any backend call, so existence is not observable.
 *
 * Auth may be disabled only when the gateway listens on loopback: `checkAuthAllowedOff`.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { assert } from '../../shared/assert.ts'
import { ShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { EdgeEnv } from './edge-env.ts'

export type Scope = 'read' | 'write' | 'admin'
const scopeRank: Record<Scope, number> = { read: 1, write: 2, admin: 3 }

export interface ApiKeyConfig {
  /** A name for logs and rate-limit buckets; never the secret. */
  readonly id: string
  /** SHA-256 of the bearer token, lowercase hex (64 characters). */
  readonly sha256Hex: string
  /** table name (or `*`) -> the highest scope granted on it. */
  readonly grants: Readonly<Record<string, Scope>>
  readonly revoked?: boolean
  /** Token-bucket refill per second and size; the gateway defaults when absent. */
  readonly ratePerSec?: number
  readonly burst?: number
}

export type AuthConfig =
  { readonly enabled: false } | { readonly enabled: true; readonly keys: readonly ApiKeyConfig[] }

export interface Principal {
  readonly id: string
  readonly grants: ReadonlyMap<string, Scope>
  readonly ratePerSec?: number
  readonly burst?: number
}

/** Bearer tokens longer than this are malformed; Node's header limit bounds the header. */
const tokenCharsMax = 512
const bearerPattern = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

export function hashApiKey(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

interface KeyRecord {
  readonly digest: Buffer
  readonly principal: Principal
  readonly revoked: boolean
}

export function authenticate(config: AuthConfig): MiddlewareHandler<EdgeEnv> {
  const byDigest = config.enabled ? indexKeys(config.keys) : new Map<string, KeyRecord>()
  return async function authenticate(c, next) {
    if (!config.enabled) {
      c.set('principal', null)
      return next()
    }
    const header = c.req.header('authorization')
    if (header === undefined) {
      throw new ShoalError('unauthorized', 'an Authorization: Bearer <api key> header is required')
    }
    const token = bearerPattern.exec(header)?.[1]
    if (token === undefined || token.length > tokenCharsMax) {
      throw new ShoalError('bad-request', 'the Authorization header is not "Bearer <api key>"')
    }
    const digest = createHash('sha256').update(token, 'utf8').digest()
    const record = byDigest.get(digest.toString('hex'))
    const matches = record !== undefined && timingSafeEqual(digest, record.digest)
    if (!matches || record.revoked) {
      throw new ShoalError('unauthorized', 'the API key is not valid')
    }
    c.set('principal', record.principal)
    return next()
  }
}

function indexKeys(keys: readonly ApiKeyConfig[]): Map<string, KeyRecord> {
  assert(keys.length <= limits.gatewayApiKeysMax, 'API keys within gatewayApiKeysMax')
  const byDigest = new Map<string, KeyRecord>()
  for (const key of keys) {
    const hex = key.sha256Hex.toLowerCase()
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new ShoalError('bad-request', `API key ${key.id}: sha256Hex is not 64 hex digits`)
    }
    const principal: Principal = {
      id: key.id,
      grants: new Map(Object.entries(key.grants)),
      ...(key.ratePerSec === undefined ? {} : { ratePerSec: key.ratePerSec }),
      ...(key.burst === undefined ? {} : { burst: key.burst }),
    }
    byDigest.set(hex, {
      digest: Buffer.from(hex, 'hex'),
      principal,
      revoked: key.revoked === true,
    })
  }
  return byDigest
}

/** Whether the principal holds `scope` on `table` (always, with auth disabled). */
export function isAllowed(principal: Principal | null, table: string, scope: Scope): boolean {
  if (principal === null) return true
  const granted = principal.grants.get(table) ?? principal.grants.get('*')
  return granted !== undefined && scopeRank[granted] >= scopeRank[scope]
}

/** Throws 403 unless the caller holds `scope` on `table`. Call before any backend call. */
export function requireScope(c: Context<EdgeEnv>, table: string, scope: Scope): void {
  if (!isAllowed(c.get('principal'), table, scope)) {
    throw new ShoalError('forbidden', `this API key does not have ${scope} access to the table`)
  }
}

/** Whether a listen host is loopback, the only place auth may be off. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (bare === 'localhost' || bare === '::1') return true
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(bare)) return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare)
}

/** For main: refuses a config with auth off on a non-loopback host. */
export function checkAuthAllowedOff(host: string, config: AuthConfig): void {
  if (config.enabled || isLoopbackHost(host)) return
  throw new ShoalError(
    'bad-request',
    `auth is disabled but the gateway would listen on ${host}; ` +
      'auth may be off only on a loopback address (127.0.0.0/8, ::1, localhost)',
  )
}
