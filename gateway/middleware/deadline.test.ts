// Goal: every request runs under a deadline (X-Shoal-Timeout-Ms or the default): the backend
// sees an AbortSignal that fires at the deadline, the client gets 504 even when the backend
// ignores the signal, bad header values are 400, and no timer outlives its request.
// Method: in-process requests; the MemoryBackend's gate holds reads; the ManualClock fires
// the deadline timers deterministically.
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { ShoalError } from '../../shared/errors.ts'
import { buildFixture, expectProblem, tokens, type Fixture } from '../routes/route-fixture.ts'
import { RequestDeadline } from './deadline.ts'

const key = '/v1/tables/alpha/keys/k'
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('deadline', () => {
  it('deadline: a held read is aborted at X-Shoal-Timeout-Ms and answered 504', async () => {
    const reasons: unknown[] = []
    const f: Fixture = buildFixture({
      gate: (operation, signal) =>
        operation !== 'get'
          ? Promise.resolve()
          : new Promise((_, reject) =>
              signal.addEventListener('abort', () => {
                reasons.push(signal.reason)
                reject(signal.reason)
              }),
            ),
    })
    await f.createTable('alpha')
    const pending = f.send('GET', key, { headers: { 'x-shoal-timeout-ms': '250' } })
    await settle()
    f.clock.advance(249)
    await settle()
    expect(reasons).toHaveLength(0)
    f.clock.advance(1)
    const problem = await expectProblem(await pending, 504)
    expect(problem.detail).toContain('250 ms')
    expect(isShoalError(reasons[0], 'deadline-exceeded')).toBe(true)
    expect(f.clock.pendingCount()).toBe(0)
  })

  it('deadline: a backend that ignores the signal still yields 504 at the default', async () => {
    const f = buildFixture({
      limits: { deadlineMsDefault: 1_000 },
      gate: (operation) => (operation === 'get' ? new Promise(() => {}) : Promise.resolve()),
    })
    await f.createTable('alpha')
    const pending = f.send('GET', key)
    await settle()
    f.clock.advance(1_000)
    await expectProblem(await pending, 504)
  })

  it('deadline: a client that goes away aborts the backend call with aborted', async () => {
    const reasons: unknown[] = []
    const f = buildFixture({
      gate: (operation, signal) =>
        operation !== 'get'
          ? Promise.resolve()
          : new Promise((_, reject) =>
              signal.addEventListener('abort', () => {
                reasons.push(signal.reason)
                reject(signal.reason)
              }),
            ),
    })
    await f.createTable('alpha')
    const client = new AbortController()
    const request = new Request(`http://localhost${key}`, {
      headers: { authorization: `Bearer ${tokens.ops}` },
      signal: client.signal,
    })
    const pending = Promise.resolve(f.app.request(request))
    await settle()
    client.abort()
    expect((await pending).status).toBe(499)
    expect(isShoalError(reasons[0], 'aborted')).toBe(true)
    expect(f.clock.pendingCount()).toBe(0)
  })

  it('deadline: answered requests cancel their timer', async () => {
    const f = buildFixture()
    await f.createTable('alpha')
    await f.send('PUT', key, { body: 'v' })
    expect((await f.send('GET', key)).status).toBe(200)
    expect(f.clock.pendingCount()).toBe(0)
  })

  it('deadline: bad X-Shoal-Timeout-Ms values: 400', async () => {
    const f = buildFixture({ limits: { deadlineMsMax: 10_000 } })
    for (const value of ['0', '-5', 'abc', '1.5', '10001', '99999999999']) {
      const headers = { 'x-shoal-timeout-ms': value }
      await expectProblem(await f.send('GET', '/v1/tables', { headers }), 400)
    }
    const ok = await f.send('GET', '/v1/tables', { headers: { 'x-shoal-timeout-ms': '10000' } })
    expect(ok.status).toBe(200)
  })

  it('RequestDeadline: abort listeners: client gone, expiry, late listeners, unhook', () => {
    const gone: Array<() => void> = []
    const hooks = { installed: 0, removed: 0 }
    const deadline = new RequestDeadline(100, (onGone) => {
      hooks.installed++
      gone.push(onGone)
      return () => hooks.removed++
    })
    const seen: string[] = []
    const unhook = deadline.abortSource.onAbort(() => seen.push('unhooked'))
    deadline.abortSource.onAbort((reason) => seen.push((reason as ShoalError).code))
    unhook()
    expect(hooks.installed).toBe(1)
    gone[0]?.()
    deadline.expire(new ShoalError('deadline-exceeded', 'late'))
    expect(seen).toEqual(['aborted'])
    deadline.abortSource.onAbort((reason) => seen.push(`late ${(reason as ShoalError).code}`))
    expect(seen).toEqual(['aborted', 'late aborted'])
    expect(deadline.signal.aborted).toBe(true)
    deadline.release()
    expect(hooks.removed).toBe(1)
  })

  it('RequestDeadline: expiry with no client hook yet: listeners get the deadline error', () => {
    const deadline = new RequestDeadline(100, () => () => {})
    deadline.expire(new ShoalError('deadline-exceeded', 'passed'))
    const seen: unknown[] = []
    deadline.abortSource.onAbort((reason) => seen.push(reason))
    expect(seen.map((r) => (r as ShoalError).code)).toEqual(['deadline-exceeded'])
    expect((deadline.signal.reason as ShoalError).code).toBe('deadline-exceeded')
  })
})
