// Goal: prove the server's lazily made signal behaves as an eager one would: it aborts at the
// deadline, on abort(), and reports an abort that happened before it was first read. Method:
// real clock and timers with short deadlines.
import { describe, expect, it } from 'vitest'
import { deferred } from '../deferred.ts'
import { isShoalError, ShoalError } from '../errors.ts'
import { SystemClock, SystemTimers } from '../time/clock.ts'
import { RequestScope } from './request-scope.ts'

const clock = new SystemClock()
const timers = new SystemTimers()

function scope(budgetMs: number): RequestScope {
  return new RequestScope(clock, timers, {
    method: 'kv.get',
    deadlineMs: clock.monotonicMs() + budgetMs,
    peerNodeId: 'n1',
    oneWay: false,
  })
}

describe('request scope', () => {
  it('request scope: signal read before the deadline: aborts with deadline-exceeded', async () => {
    const request = scope(30)
    const aborted = deferred<unknown>()
    request.signal.addEventListener('abort', () => aborted.resolve(request.signal.reason))
    expect(request.signal.aborted).toBe(false)
    const reason = await aborted.promise
    expect(isShoalError(reason, 'deadline-exceeded')).toBe(true)
  })

  it('request scope: signal first read after the deadline: already aborted', () => {
    const request = scope(-1)
    expect(request.signal.aborted).toBe(true)
    expect(isShoalError(request.signal.reason, 'deadline-exceeded')).toBe(true)
  })

  it('request scope: aborted before the signal was read: the signal reports it', () => {
    const request = scope(10_000)
    request.abort(new ShoalError('unavailable', 'connection closed'))
    expect(request.signal.aborted).toBe(true)
    expect(isShoalError(request.signal.reason, 'unavailable')).toBe(true)
  })

  it('request scope: disposed: the deadline timer no longer fires', async () => {
    const request = scope(20)
    const signal = request.signal
    request.dispose()
    await new Promise<void>((resolve) => setTimeout(resolve, 40))
    expect(signal.aborted).toBe(false)
  })

  it('request scope: one-way message: infinite deadline, no timer, abort still works', () => {
    const request = new RequestScope(clock, timers, {
      method: 'raft.append',
      deadlineMs: Number.POSITIVE_INFINITY,
      peerNodeId: 'n2',
      oneWay: true,
    })
    expect(request.signal.aborted).toBe(false)
    request.abort(new ShoalError('closed', 'server closing'))
    expect(isShoalError(request.signal.reason, 'closed')).toBe(true)
  })
})
