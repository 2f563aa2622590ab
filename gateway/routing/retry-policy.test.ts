// Goal: the retry policy never retries a write that may have applied, retries only transient
// errors, backs off with bounded jitter, and never plans a retry past the deadline. Method:
// scripted cases per rule, and a fast-check property over every input combination.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { errorCodes } from '../../shared/errors.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import {
  defaultRetryPolicyOptions,
  RetryPolicy,
  type AttemptOutcome,
  type OperationKind,
} from './retry-policy.ts'

const policy = new RetryPolicy({
  attemptsMax: 5,
  backoffMsMin: 10,
  backoffMsMax: 80,
  attemptMsMin: 5,
})
const base = {
  attempt: 1,
  error: 'unavailable' as const,
  outcome: 'not-applied' as AttemptOutcome,
  operation: 'read' as OperationKind,
  deadlineLeftMs: 1_000,
}

describe('retry-policy', () => {
  it('retry-policy: write with unknown outcome: gives up, whatever the error', () => {
    for (const error of ['unavailable', 'not-leader', 'overloaded'] as const) {
      const decision = policy.next({
        ...base,
        error,
        operation: 'write',
        outcome: 'unknown',
        prng: new SeededPrng(1),
      })
      expect(decision).toEqual({ kind: 'give-up', reason: 'outcome-unknown' })
    }
  })

  it('retry-policy: refused write or idempotent write: retried', () => {
    const refused = policy.next({ ...base, operation: 'write', prng: new SeededPrng(1) })
    expect(refused.kind).toBe('retry')
    const idempotent = policy.next({
      ...base,
      operation: 'idempotent-write',
      outcome: 'unknown',
      prng: new SeededPrng(1),
    })
    expect(idempotent.kind).toBe('retry')
  })

  it('retry-policy: non-transient errors: never retried', () => {
    for (const error of ['bad-request', 'not-found', 'corruption', 'deadline-exceeded'] as const) {
      expect(policy.next({ ...base, error, prng: new SeededPrng(1) })).toEqual({
        kind: 'give-up',
        reason: 'not-retryable',
      })
    }
  })

  it('retry-policy: not-leader on the first failure: retried at once', () => {
    const decision = policy.next({ ...base, error: 'not-leader', prng: new SeededPrng(1) })
    expect(decision).toEqual({ kind: 'retry', afterMs: 0 })
  })

  it('retry-policy: backoff: doubles per attempt within equal jitter, capped', () => {
    const prng = new SeededPrng(3)
    const ceilings = [10, 20, 40, 80]
    for (let attempt = 1; attempt <= 4; attempt++) {
      for (let i = 0; i < 50; i++) {
        const decision = policy.next({ ...base, attempt, prng })
        expect(decision.kind).toBe('retry')
        if (decision.kind !== 'retry') continue
        expect(decision.afterMs).toBeGreaterThanOrEqual(ceilings[attempt - 1]! / 2)
        expect(decision.afterMs).toBeLessThanOrEqual(ceilings[attempt - 1]!)
      }
    }
  })

  it('retry-policy: attempts exhausted or deadline too close: gives up', () => {
    expect(policy.next({ ...base, attempt: 5, prng: new SeededPrng(1) })).toEqual({
      kind: 'give-up',
      reason: 'attempts-exhausted',
    })
    expect(policy.next({ ...base, deadlineLeftMs: 9, prng: new SeededPrng(1) })).toEqual({
      kind: 'give-up',
      reason: 'deadline',
    })
  })

  it('retry-policy: same seed: same decisions', () => {
    const run = (seed: number): number[] => {
      const prng = new SeededPrng(seed)
      return [1, 2, 3, 4].map((attempt) => {
        const decision = policy.next({ ...base, attempt, prng })
        return decision.kind === 'retry' ? decision.afterMs : -1
      })
    }
    expect(run(7)).toEqual(run(7))
  })

  it('retry-policy: every input: safe decisions only', () => {
    const defaults = new RetryPolicy(defaultRetryPolicyOptions)
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(...errorCodes),
        fc.constantFrom<AttemptOutcome>('not-applied', 'unknown'),
        fc.constantFrom<OperationKind>('read', 'idempotent-write', 'write'),
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer(),
        (attempt, error, outcome, operation, deadlineLeftMs, seed) => {
          const decision = defaults.next({
            attempt,
            error,
            outcome,
            operation,
            deadlineLeftMs,
            prng: new SeededPrng(seed),
          })
          if (decision.kind === 'give-up') return
          expect(operation === 'write' && outcome === 'unknown').toBe(false)
          expect(attempt).toBeLessThan(defaultRetryPolicyOptions.attemptsMax)
          expect(decision.afterMs).toBeGreaterThanOrEqual(0)
          expect(decision.afterMs).toBeLessThan(deadlineLeftMs)
          expect(decision.afterMs).toBeLessThanOrEqual(defaultRetryPolicyOptions.backoffMsMax)
          expect([
            'not-leader',
            'overloaded',
            'rate-limited',
            'shard-unavailable',
            'unavailable',
          ]).toContain(error)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
