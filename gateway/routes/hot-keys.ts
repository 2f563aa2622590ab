/**
 * `GET /v1/hotkeys?window=10s&limit=20`: the hottest keys over a sliding window, each with its
 * estimated rate, the sketch's error bound on that rate, its share of traffic, reads and writes
 * counted separately, and when it became hot. Only keys of tables the caller may read are
 * listed. The detector (gateway/hot-keys/) implements HotKeySource; this route only renders.
 */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { ShoalError } from '../../shared/errors.ts'
import type { HotKeyReport } from '../hot-keys/detector.ts'
import { isAllowed } from '../middleware/auth.ts'
import type { EdgeEnv, EdgeLimits } from '../middleware/edge-env.ts'
import { boundedInteger, parseQuery } from './request-parsing.ts'

export const hotKeysPath = '/v1/hotkeys'

/**
 * One hot key as the route renders it: the detector's report (gateway/hot-keys/detector.ts,
 * which documents every field) with its key split into the table and the item key as text.
 */
export interface HotKey extends Omit<HotKeyReport, 'key'> {
  readonly table: string
  /** The item key as text. */
  readonly key: string
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
