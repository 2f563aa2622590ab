// Goal: AbortLatch behaves like AbortController/AbortSignal for what the read path uses.
// Method: run the same script against both and compare what the listeners saw.
import { describe, expect, it } from 'vitest'
import { AbortLatch, latchFollowing, type AbortCallbacks, type AbortLike } from './abort-latch.ts'

function script(signal: AbortLike, abort: (reason: unknown) => void): string[] {
  const seen: string[] = []
  const a = (): void => void seen.push(`a:${String(signal.reason)}`)
  const b = (): void => void seen.push('b')
  const c = (): void => void seen.push('c')
  signal.addEventListener('abort', a, { once: true })
  signal.addEventListener('abort', b, { once: true })
  signal.addEventListener('abort', c, { once: true })
  signal.removeEventListener('abort', b)
  seen.push(`before:${signal.aborted}`)
  abort('why')
  abort('again')
  signal.addEventListener('abort', () => seen.push('late'), { once: true })
  seen.push(`after:${signal.aborted}:${String(signal.reason)}`)
  return seen
}

describe('AbortLatch', () => {
  it('abort-latch: listeners, removal, a second abort and a late listener as AbortSignal', () => {
    const controller = new AbortController()
    const native = script(controller.signal, (reason) => controller.abort(reason))
    const latch = new AbortLatch()
    expect(script(latch.signal, (reason) => latch.abort(reason))).toEqual(native)
    expect(native).toEqual(['before:false', 'a:why', 'c', 'after:true:why'])
  })

  it('abort-latch: a latch following a source aborts with its reason until released', () => {
    const listeners = new Set<(reason: Error) => void>()
    let fired: Error | null = null
    const source: AbortCallbacks = {
      onAbort: (listener) => {
        if (fired !== null) listener(fired)
        else listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
    const fire = (reason: Error): void => {
      fired = reason
      for (const listener of listeners) listener(reason)
    }
    const released = latchFollowing(source)
    released.release()
    const following = latchFollowing(source)
    expect(listeners.size).toBe(1)
    fire(new Error('client gone'))
    expect([following.latch.aborted, String(following.latch.reason)]).toEqual([
      true,
      'Error: client gone',
    ])
    expect(released.latch.aborted).toBe(false)
    expect(latchFollowing(source).latch.aborted).toBe(true) // an aborted source: at once
  })
})
