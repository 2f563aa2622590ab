// Goal: each API key has its own token bucket: past its burst it gets 429 with Retry-After
// from the bucket, another key is unaffected, and the key recovers on (virtual) time.
// Method: in-process requests through buildApp; the fixture's ManualClock drives refill.
import { describe, expect, it } from 'vitest'
import { buildFixture, expectProblem, tokens } from '../routes/route-fixture.ts'

describe('rate-limit', () => {
  it("rate-limit: burst then 429 with Retry-After; another key's bucket is separate", async () => {
    const f = buildFixture({ rateLimit: { ratePerSecDefault: 0.5, burstDefault: 3 } })
    const alice = { token: tokens.alice }
    for (let i = 0; i < 3; i++) {
      expect((await f.send('GET', '/v1/tables', alice)).status).toBe(200)
    }
    const limited = await f.send('GET', '/v1/tables', alice)
    expect(limited.headers.get('retry-after')).toBe('2')
    await expectProblem(limited, 429)
    expect((await f.send('GET', '/v1/tables', { token: tokens.bob })).status).toBe(200)
    f.clock.advance(1_999)
    await expectProblem(await f.send('GET', '/v1/tables', alice), 429)
    f.clock.advance(1)
    expect((await f.send('GET', '/v1/tables', alice)).status).toBe(200)
  })

  it('rate-limit: unauthenticated requests do not consume a key bucket', async () => {
    const f = buildFixture({ rateLimit: { ratePerSecDefault: 1, burstDefault: 1 } })
    for (let i = 0; i < 5; i++) {
      await expectProblem(await f.send('GET', '/v1/tables', { token: null }), 401)
    }
    expect((await f.send('GET', '/v1/tables', { token: tokens.alice })).status).toBe(200)
  })
})
