/**
 * LoopTurns: tells a writer when to let the event loop turn. A caller awaiting writes in a loop
 * never leaves the microtask queue, so background results (worker messages, fsync
 * completions) would wait until the memtables fill and writes stall. While background work is
 * in flight, a write that finds the loop has not turned for `periodMs` yields one turn first. A
 * server, whose writes arrive from sockets, turns the loop anyway and never waits here.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Clock } from '../../shared/time/clock.ts'

export class LoopTurns {
  readonly #clock: Clock
  readonly #periodMs: number
  /** A turn marker is queued (setImmediate) and has not run yet. */
  #armed = false
  #armedAtMs = 0

  constructor(clock: Clock, periodMs: number) {
    this.#clock = clock
    this.#periodMs = periodMs
  }

  /** undefined when the loop turned recently, else a promise resolved after one turn. */
  starved(): Promise<void> | undefined {
    const now = this.#clock.monotonicMs()
    if (!this.#armed) {
      this.#armed = true
      this.#armedAtMs = now
      setImmediate(this.#turned)
      return undefined
    }
    if (now - this.#armedAtMs < this.#periodMs) return undefined
    return nextTurn()
  }

  readonly #turned = (): void => {
    this.#armed = false
  }
}
