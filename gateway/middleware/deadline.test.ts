// Goal: every request runs under a deadline (X-Shoal-Timeout-Ms or the default): the backend
// sees an AbortSignal that fires at the deadline, the client gets 504 even when the backend
// ignores the signal, bad header values are 400, and no timer outlives its request.
// Method: in-process requests; the MemoryBackend's gate holds reads; the ManualClock fires
// the deadline timers deterministically.
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { buildFixture, expectProblem, tokens, type Fixture } from '../routes/route-fixture.ts'

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
})
