/**
 * `GET /v1/hotkeys?window=10s&limit=20`: the hottest keys over a sliding window, each with its
 * estimated rate, the sketch's error bound on that rate, its share of traffic, reads and writes
 * counted separately, and when it became hot. Only keys of tables the caller may read are
 * listed. The detector (gateway/hot-keys/) implements HotKeySource; this route only renders.
 */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { ShoalError } from '../../shared/errors.ts'
import { isAllowed } from '../middleware/auth.ts'
import type { EdgeEnv, EdgeLimits } from '../middleware/edge-env.ts'
import { boundedInteger, parseQuery } from './request-parsing.ts'

export const hotKeysPath = '/v1/hotkeys'

/**
 * One hot key as the route renders it. Field names follow gateway/hot-keys/detector.ts's
 * HotKeyReport, so the adapter in main is a split of its key into table and item key.
 */
export interface HotKey {
  readonly table: string
  /** The item key as text. */
  readonly key: string
  /** Requests counted in the window (estimate). */
  readonly count: number
  readonly ratePerSec: number
  /** Reads and writes are counted separately. */
  readonly readsPerSec: number
  readonly writesPerSec: number
  /** The sketch's guarantee: the true rate is within ratePerSec +- this bound. */
  readonly errorPerSec: number
  /** Of all requests in the window, in [0, 1]. */
  readonly share: number
  /** Above the hot threshold now. */
  readonly hot: boolean
  /** Wall ms when the key first crossed the hot threshold; null if it is not hot. */
  readonly firstHotAtMs: number | null
}

export interface HotKeySource {
  /** The top `limit` keys over the last `windowMs`, hottest first. Synchronous and local. */
  top(query: { windowMs: number; limit: number }): readonly HotKey[]
}

export interface HotKeyRouteDeps {
  readonly hotKeys: HotKeySource
  readonly limits: EdgeLimits
}

const windowDefaultMs = 10_000
const limitDefault = 20
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000 }

export function parseWindowMs(text: string, maxMs: number): number {
  const match = /^([0-9]{1,9})(ms|s|m)$/.exec(text)
  const amount = match?.[1]
  const unit = match?.[2]
  if (amount === undefined || unit === undefined) {
    throw new ShoalError('bad-request', 'window must look like 500ms, 10s or 5m')
  }
  const windowMs = Number(amount) * (unitMs[unit] ?? 1)
  if (windowMs < 1 || windowMs > maxMs) {
    throw new ShoalError('bad-request', `window must be between 1ms and ${maxMs}ms`)
  }
  return windowMs
}

export function registerHotKeyRoute(app: Hono<EdgeEnv>, deps: HotKeyRouteDeps): void {
  const schema = z.strictObject({
    window: z.string().max(16).optional(),
    limit: boundedInteger(1, deps.limits.hotKeysLimitMax).optional(),
  })
  app.get(hotKeysPath, (c: Context<EdgeEnv>) => {
    const query = parseQuery(c, schema)
    const windowMs =
      query.window === undefined
        ? windowDefaultMs
        : parseWindowMs(query.window, deps.limits.hotKeysWindowMsMax)
    const principal = c.get('principal')
    const keys = deps.hotKeys
      .top({ windowMs, limit: query.limit ?? limitDefault })
      .filter((hot) => isAllowed(principal, hot.table, 'read'))
    return c.json({ windowMs, keys })
  })
}
