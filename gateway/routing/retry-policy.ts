/**
 * RetryPolicy, pure: (attempt, error code, what is known of the outcome, deadline left, Prng)
 * -> retry after N ms, or give up with a reason. The shell sleeps on injected Timers.
 *
 * Rules, in order:
 * 1. `attemptsMax` attempts at most (the first try counts).
 * 2. Only transient codes are retried: not-leader, overloaded, rate-limited,
 *    shard-unavailable, unavailable. Everything else (bad input, not found, corruption,
 *    deadline-exceeded, aborted, ...) is final.
 * 3. A non-idempotent write whose outcome is unknown (the request may have reached a leader,
 *    e.g. the connection dropped after sending) is never retried: a blind retry could apply
 *    it twice. Reads, and writes the caller made idempotent (a request id the node dedups),
 *    may be retried; so may any write the node refused before applying ('not-applied').
 * 4. Delay: not-leader on the first retry goes at once (the caller has a fresh leader hint);
 *    otherwise exponential backoff from backoffMsMin doubling to backoffMsMax, with equal
 *    jitter (half fixed, half uniform from the Prng) so retrying clients spread out.
 * 5. No retry that cannot finish in time: give up when delay + attemptMsMin > deadline left.
 */
import { assert } from '../../shared/assert.ts'
import type { ErrorCode } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { Prng } from '../../shared/random/prng.ts'

export type OperationKind = 'read' | 'idempotent-write' | 'write'
/** 'not-applied': the node refused before applying; 'unknown': it may have applied. */
export type AttemptOutcome = 'not-applied' | 'unknown'
export type GiveUpReason = 'not-retryable' | 'outcome-unknown' | 'attempts-exhausted' | 'deadline'

export type RetryDecision =
  | { readonly kind: 'retry'; readonly afterMs: number }
  | { readonly kind: 'give-up'; readonly reason: GiveUpReason }

export interface RetryInput {
  /** Attempts made so far, the failed one included (1 after the first failure). */
  readonly attempt: number
  readonly error: ErrorCode
  readonly outcome: AttemptOutcome
  readonly operation: OperationKind
  readonly deadlineLeftMs: number
  readonly prng: Prng
}

export interface RetryPolicyOptions {
  readonly attemptsMax: number
  readonly backoffMsMin: number
  readonly backoffMsMax: number
  /** A retry needs at least this much time left after its delay to be worth sending. */
  readonly attemptMsMin: number
}

export const defaultRetryPolicyOptions: RetryPolicyOptions = {
  attemptsMax: limits.retryAttemptsMax,
  backoffMsMin: limits.retryBackoffMsMin,
  backoffMsMax: limits.retryBackoffMsMax,
  attemptMsMin: limits.retryBackoffMsMin,
}

const transientCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'not-leader',
  'overloaded',
  'rate-limited',
  'shard-unavailable',
  'unavailable',
])

export class RetryPolicy {
  readonly #options: RetryPolicyOptions

  constructor(options: RetryPolicyOptions) {
    assert(Number.isInteger(options.attemptsMax) && options.attemptsMax >= 1, 'attemptsMax >= 1')
    assert(options.backoffMsMin > 0, 'backoffMsMin must be positive')
    assert(options.backoffMsMax >= options.backoffMsMin, 'backoffMsMax must be >= backoffMsMin')
    assert(options.attemptMsMin >= 0, 'attemptMsMin must not be negative')
    this.#options = options
  }

  next(input: RetryInput): RetryDecision {
    assert(Number.isInteger(input.attempt) && input.attempt >= 1, 'attempt counts from 1')
    if (input.attempt >= this.#options.attemptsMax) return giveUp('attempts-exhausted')
    if (!transientCodes.has(input.error)) return giveUp('not-retryable')
    if (input.operation === 'write' && input.outcome === 'unknown') {
      return giveUp('outcome-unknown')
    }
    const afterMs = this.#delayMs(input)
    if (afterMs + this.#options.attemptMsMin > input.deadlineLeftMs) return giveUp('deadline')
    return { kind: 'retry', afterMs }
  }

  #delayMs(input: RetryInput): number {
    if (input.error === 'not-leader' && input.attempt === 1) return 0
    const { backoffMsMin, backoffMsMax } = this.#options
    const ceilingMs = Math.min(backoffMsMax, backoffMsMin * 2 ** (input.attempt - 1))
    const halfMs = Math.floor(ceilingMs / 2)
    return ceilingMs - halfMs + input.prng.intInclusive(0, halfMs)
  }
}

function giveUp(reason: GiveUpReason): RetryDecision {
  return { kind: 'give-up', reason }
}
