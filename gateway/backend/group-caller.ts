/**
 * GroupCaller: sends one storage RPC to the right replica of a Raft group and handles routing
 * answers, so the backend above it deals only in results.
 *
 * For a leader-only call (strong reads, writes, catalog): try the cached leader, then the other
 * replicas; a `not-leader` answer with a hint moves the hinted node to the front; an answer from
 * a node teaches the cache who leads. For an `any` call (eventual reads) any replica may answer;
 * the call starts at a replica chosen by the caller's spread index so load spreads.
 *
 * Retries never outlive the request deadline. When every replica failed, the RetryPolicy decides
 * the backoff (jittered exponential, from the injected Prng) and the caller tries again, until
 * the policy gives up; then the call fails with `shard-unavailable`. A non-idempotent write
 * is re-sent only when it provably never left
 * the gateway (the client was not connected, or it was refused before sending); after an
 * ambiguous failure (`unavailable` on a live connection) it fails with that error, so the client
 * sees an ambiguous 503 instead of a silent double apply.
 */
import type { z } from 'zod'
import type { AbortLike } from '../../shared/abort/abort-latch.ts'
import type { StorageMethodName } from '../../shared/api/storage-api.ts'
import { isShoalError, ShoalError } from '../../shared/errors.ts'
import type { Prng } from '../../shared/random/prng.ts'
import type { Clock, Timers } from '../../shared/time/clock.ts'
import type { LeaderCache } from '../routing/leader-cache.ts'
import type { RetryPolicy } from '../routing/retry-policy.ts'
import type { ShardMap } from '../routing/shard-map.ts'
import type { NodePool } from './node-pool.ts'

export interface GroupCall<T> {
  readonly group: number
  readonly method: StorageMethodName
  readonly params: unknown
  /** The response schema; must include the `not-leader` variant. */
  readonly schema: z.ZodType<T>
  readonly deadlineMs: number
  /** An AbortSignal, or a flight's lighter AbortLatch. */
  readonly signal: AbortLike
  readonly target: 'leader' | 'any'
  /** Safe to send twice (reads, catalog reads); false for writes. */
  readonly idempotent: boolean
  /** For `any` calls: which replica to start with (e.g. a per-request counter). */
  readonly spread?: number
}

type NotLeaderAnswer = { kind: 'not-leader'; leaderHint: string | null }

function isNotLeader(value: unknown): value is NotLeaderAnswer {
  return (
    typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'not-leader'
  )
}

export class GroupCaller {
  readonly stats = { calls: 0, attempts: 0, notLeader: 0, retries: 0, unavailable: 0 }
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #prng: Prng
  readonly #pool: NodePool
  readonly #leaders: LeaderCache
  readonly #policy: RetryPolicy
  #map: ShardMap

  constructor(
    clock: Clock,
    timers: Timers,
    prng: Prng,
    deps: { pool: NodePool; leaders: LeaderCache; map: ShardMap; policy: RetryPolicy },
  ) {
    this.#clock = clock
    this.#timers = timers
    this.#prng = prng
    this.#pool = deps.pool
    this.#leaders = deps.leaders
    this.#map = deps.map
    this.#policy = deps.policy
  }

  updateMap(map: ShardMap): void {
    this.#map = map
  }

  async call<T>(call: GroupCall<T>): Promise<Exclude<T, NotLeaderAnswer>> {
    this.stats.calls++
    let lastError: ShoalError | null = null
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#round(call)
      if (outcome.kind === 'answer') return outcome.value
      lastError = outcome.error ?? lastError
      const decision = this.#policy.next({
        attempt,
        error: lastError?.code ?? 'shard-unavailable',
        // Ambiguous write failures were thrown in #classify; what is left was not applied.
        outcome: 'not-applied',
        operation: call.idempotent ? 'read' : 'write',
        deadlineLeftMs: call.deadlineMs - this.#clock.monotonicMs(),
        prng: this.#prng,
      })
      if (decision.kind === 'give-up') break
      this.stats.retries++
      await this.#sleep(decision.afterMs, call.signal)
    }
    const why = lastError === null ? 'no leader answered' : lastError.message
    throw new ShoalError('shard-unavailable', `group ${call.group}: ${why}`)
  }

  /** One pass over the group's replicas. */
  async #round<T>(
    call: GroupCall<T>,
  ): Promise<
    | { kind: 'answer'; value: Exclude<T, NotLeaderAnswer> }
    | { kind: 'retry'; error: ShoalError | null }
  > {
    const replicas = this.#map.replicas(call.group)
    const queue =
      call.target === 'leader'
        ? this.#leaders.targets(call.group, replicas)
        : rotate(replicas, call.spread ?? 0)
    const tried = new Set<string>()
    let lastError: ShoalError | null = null
    while (queue.length > 0) {
      const nodeId = queue.shift()!
      if (tried.has(nodeId)) continue
      tried.add(nodeId)
      this.#throwIfDone(call)
      const result = await this.#attempt(call, nodeId)
      if (result.kind === 'answer') return result
      if (result.kind === 'not-leader') {
        this.stats.notLeader++
        this.#leaders.forget(call.group, nodeId)
        const hint = result.hint
        if (hint !== null && replicas.includes(hint) && !tried.has(hint)) {
          this.#leaders.learn(call.group, hint)
          queue.unshift(hint)
        }
        continue
      }
      lastError = result.error
    }
    return { kind: 'retry', error: lastError }
  }

  async #attempt<T>(
    call: GroupCall<T>,
    nodeId: string,
  ): Promise<
    | { kind: 'answer'; value: Exclude<T, NotLeaderAnswer> }
    | { kind: 'not-leader'; hint: string | null }
    | { kind: 'failed'; error: ShoalError }
  > {
    const client = this.#pool.client(nodeId)
    if (client === undefined) {
      return { kind: 'failed', error: new ShoalError('unavailable', `unknown node ${nodeId}`) }
    }
    // Not connected: the request would be refused before sending, so trying the next replica is
    // safe even for a write.
    if (client.state === 'backoff' || client.state === 'closed') {
      return {
        kind: 'failed',
        error: new ShoalError('unavailable', `node ${nodeId} is not connected`),
      }
    }
    this.stats.attempts++
    let raw: unknown
    try {
      raw = await client.request(call.method, call.params, {
        deadlineMs: call.deadlineMs,
        signal: call.signal,
      })
    } catch (error) {
      return { kind: 'failed', error: this.#classify(call, nodeId, error) }
    }
    const parsed = call.schema.safeParse(raw)
    if (!parsed.success) {
      throw new ShoalError('protocol', `node ${nodeId} sent a malformed ${call.method} answer`)
    }
    const value = parsed.data
    if (isNotLeader(value)) return { kind: 'not-leader', hint: value.leaderHint }
    if (call.target === 'leader') this.#leaders.learn(call.group, nodeId)
    return { kind: 'answer', value: value as Exclude<T, NotLeaderAnswer> }
  }

  /** Returns a retryable error to try the next replica with, or throws a final one. */
  #classify<T>(call: GroupCall<T>, nodeId: string, error: unknown): ShoalError {
    if (!isShoalError(error)) throw error
    if (error.code === 'deadline-exceeded' || error.code === 'aborted') throw error
    if (error.code === 'shard-unavailable' || error.code === 'not-leader') return error
    if (!error.retryable) throw error
    this.stats.unavailable++
    this.#leaders.forget(call.group, nodeId)
    // Ambiguous for a write: it may have been applied. Never re-send it blindly.
    if (!call.idempotent && error.code === 'unavailable') throw error
    return error
  }

  #throwIfDone<T>(call: GroupCall<T>): void {
    if (call.signal.aborted) {
      const reason: unknown = call.signal.reason
      throw isShoalError(reason) ? reason : new ShoalError('aborted', 'request aborted')
    }
    if (this.#clock.monotonicMs() >= call.deadlineMs) {
      throw new ShoalError('deadline-exceeded', `group ${call.group}: deadline passed`)
    }
  }

  #sleep(delayMs: number, signal: AbortLike): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        handle.cancel()
        const reason: unknown = signal.reason
        reject(isShoalError(reason) ? reason : new ShoalError('aborted', 'request aborted'))
      }
      const handle = this.#timers.after(delayMs, () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      })
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return []
  const start = ((by % items.length) + items.length) % items.length
  return [...items.slice(start), ...items.slice(0, start)]
}
