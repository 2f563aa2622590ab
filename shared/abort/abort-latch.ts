/**
 * AbortLatch: the part of AbortController/AbortSignal the gateway's backend read path uses, as
 * a plain object. Each cache miss made an AbortController for its flight, and the RPC client
 * and the group caller hang listeners on its signal: an AbortSignal is an EventTarget, and
 * creating one plus adding and removing a listener cost ~3% of the gateway's CPU under Zipf
 * reads (most of them cache hits), for a cancellation that almost never happens.
 *
 * Same behaviour as AbortSignal for what AbortLike covers: `abort` runs the listeners once, in
 * the order they were added (a listener added after the abort is not called, as with an
 * EventTarget); a second `abort` does nothing. An AbortSignal is itself an AbortLike, so code
 * typed with AbortLike takes either.
 */
export interface AbortLike {
  readonly aborted: boolean
  readonly reason: unknown
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}

export class AbortLatch implements AbortLike {
  #aborted = false
  #reason: unknown = undefined
  #listeners: Array<() => void> = []

  get aborted(): boolean {
    return this.#aborted
  }

  get reason(): unknown {
    return this.#reason
  }

  /** This latch, where code hands on a controller's signal. */
  get signal(): AbortLike {
    return this
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.#aborted) this.#listeners.push(listener)
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.#listeners.indexOf(listener)
    if (at >= 0) this.#listeners.splice(at, 1)
  }

  abort(reason: unknown): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    const listeners = this.#listeners
    this.#listeners = []
    for (const listener of listeners) listener()
  }
}

/** A cancellation that calls back once (at once when already cancelled); returns unhook. */
export interface AbortCallbacks {
  onAbort(listener: (reason: Error) => void): () => void
}

/**
 * A latch that aborts when `source` does, until `release()`: an AbortLike for code that listens
 * to a signal, without the AbortController that reading a request deadline's `signal` makes.
 */
export function latchFollowing(source: AbortCallbacks): { latch: AbortLatch; release(): void } {
  const latch = new AbortLatch()
  const release = source.onAbort((reason) => latch.abort(reason))
  return { latch, release }
}
