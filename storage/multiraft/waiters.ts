/**
 * Waiters: the promises a host hands to callers while a proposal travels through Raft or a
 * read waits for its index, each settled exactly once (by the host or by its deadline).
 *
 * - ProposalWaiters: keyed by the entry's index, remembering the term it was appended in. When
 *   the entry at that index is applied with the same term, the caller gets the apply result;
 *   with another term, the proposal was overwritten by another leader's entry and fails.
 * - AppliedWaiters: reads waiting for the group's applied index to reach their read index.
 */
import { ReleasingMap } from '../../shared/collections/releasing-map.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { TimerHandle, Timers } from '../../shared/time/clock.ts'

export interface Settler<T> {
  resolve(value: T): void
  reject(error: unknown): void
}

/** Runs `start` with a settle-once handle that rejects with `onTimeout()` after `delayMs`. */
export function withDeadline<T>(
  timers: Timers,
  delayMs: number,
  onTimeout: () => ShoalError,
  start: (settle: Settler<T>) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false
    const held: { timer?: TimerHandle } = {}
    const settle: Settler<T> = {
      resolve: (value) => {
        if (done) return
        done = true
        held.timer?.cancel()
        resolve(value)
      },
      reject: (error) => {
        if (done) return
        done = true
        held.timer?.cancel()
        reject(error)
      },
    }
    held.timer = timers.after(Math.max(0, delayMs), () => settle.reject(onTimeout()))
    start(settle)
  })
}

export interface ProposalWaiter<T> extends Settler<T> {
  readonly term: number
}

export class ProposalWaiters<T> {
  /** By index; a waiter leaves nothing behind when it is removed (see ReleasingMap). */
  readonly #byIndex = new ReleasingMap<number, ProposalWaiter<T>>()

  get size(): number {
    return this.#byIndex.size
  }

  add(index: number, waiter: ProposalWaiter<T>): void {
    this.#byIndex.set(index, waiter)
  }

  get(index: number): ProposalWaiter<T> | undefined {
    return this.#byIndex.get(index)
  }

  /** The entry at `index` was applied with `term`: settle its waiter, if any. */
  applied(index: number, term: number, result: T): void {
    const waiter = this.#byIndex.take(index)
    if (waiter === undefined) return
    if (waiter.term === term) waiter.resolve(result)
    else waiter.reject(overwritten(index))
  }

  /** Removes the waiter at `index` and returns it (the caller settles it, or not). */
  take(index: number): ProposalWaiter<T> | undefined {
    return this.#byIndex.take(index)
  }

  delete(index: number): void {
    this.#byIndex.take(index)
  }

  rejectAll(error: ShoalError): void {
    for (const waiter of this.#byIndex.takeAll()) waiter.reject(error)
  }
}

function overwritten(index: number): ShoalError {
  return new ShoalError('unavailable',
    `the proposal at index ${index} was replaced by another leader's entry; it was not applied`)
}

interface AppliedWaiter {
  readonly index: number
  readonly settle: Settler<number>
}

export class AppliedWaiters {
  #waiting: AppliedWaiter[] = []

  add(index: number, settle: Settler<number>): void {
    this.#waiting.push({ index, settle })
  }

  /** Releases every waiter whose index is <= applied, with the applied index. */
  release(applied: number): void {
    if (this.#waiting.length === 0) return
    const still: AppliedWaiter[] = []
    for (const w of this.#waiting) {
      if (w.index <= applied) w.settle.resolve(applied)
      else still.push(w)
    }
    this.#waiting = still
  }

  rejectAll(error: ShoalError): void {
    for (const w of this.#waiting) w.settle.reject(error)
    this.#waiting = []
  }
}
