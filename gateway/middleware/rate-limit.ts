/**
 * Per-API-key rate limit: one TokenBucket per authenticated key (created on first use, so at
 * most one per configured key: bounded by gatewayApiKeysMax). Over the limit the answer is 429
 * with Retry-After from the bucket. With auth disabled (loopback only) there is no key to
 * charge, so no limit applies. Time is the injected Clock's monotonic ms.
 */
import type { MiddlewareHandler } from 'hono'
import { ShoalError } from '../../shared/errors.ts'
import type { Clock } from '../../shared/time/clock.ts'
import { withRetryAfter } from '../http-errors.ts'
import type { EdgeEnv } from './edge-env.ts'
import { TokenBucket } from './token-bucket.ts'

export interface RateLimitOptions {
  readonly clock: Clock
  readonly ratePerSecDefault: number
  readonly burstDefault: number
}

export function rateLimit(options: RateLimitOptions): MiddlewareHandler<EdgeEnv> {
  const buckets = new Map<string, TokenBucket>()
  return async function rateLimit(c, next) {
    const principal = c.get('principal')
    if (principal === null) return next()
    const nowMs = options.clock.monotonicMs()
    let bucket = buckets.get(principal.id)
    if (bucket === undefined) {
      bucket = new TokenBucket({
        ratePerSec: principal.ratePerSec ?? options.ratePerSecDefault,
        burst: principal.burst ?? options.burstDefault,
        nowMs,
      })
      buckets.set(principal.id, bucket)
    }
    const taken = bucket.take(nowMs)
    if (!taken.ok) {
      const error = new ShoalError('rate-limited', 'this API key is over its request rate')
      throw withRetryAfter(error, taken.retryAfterMs)
    }
    return next()
  }
}
