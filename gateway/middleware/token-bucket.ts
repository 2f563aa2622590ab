/**
 * TokenBucket: a pure rate limiter; time is an argument (monotonic ms), so tests are exact.
 * Refill is continuous at `ratePerSec` up to `burst` tokens. A clock that steps backwards
 * refills nothing (and re-anchors), a large forward jump refills at most to `burst`: tokens
 * never go negative and never exceed the bucket.
 */
import { assert } from '../../shared/assert.ts'

export type TakeResult =
  { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number }

export class TokenBucket {
  readonly #ratePerSec: number
  readonly #burst: number
  #tokens: number
  #lastMs: number

  constructor(options: { ratePerSec: number; burst: number; nowMs: number }) {
    assert(options.ratePerSec > 0 && Number.isFinite(options.ratePerSec), 'ratePerSec positive')
    assert(options.burst >= 1 && Number.isFinite(options.burst), 'burst >= 1')
    this.#ratePerSec = options.ratePerSec
    this.#burst = options.burst
    this.#tokens = options.burst
    this.#lastMs = options.nowMs
  }

  /** Takes one token at nowMs, or says how long until one is available. */
  take(nowMs: number): TakeResult {
    this.#refill(nowMs)
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      assert(this.#tokens >= 0 && this.#tokens <= this.#burst, 'tokens within bucket')
      return { ok: true }
    }
    const missing = 1 - this.#tokens
    return { ok: false, retryAfterMs: Math.ceil((missing * 1000) / this.#ratePerSec) }
  }

  tokens(nowMs: number): number {
    this.#refill(nowMs)
    return this.#tokens
  }

  #refill(nowMs: number): void {
    const elapsedMs = nowMs - this.#lastMs
    this.#lastMs = nowMs
    if (!(elapsedMs > 0)) return
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs * this.#ratePerSec) / 1000)
  }
}
