// Goal: authentication and authorization follow TESTING.md (e): 401 without or with a wrong or
// revoked key, 400 for a malformed header, 403 across tenants whether the table exists or not
// (same body either way), scopes read < write < admin, and auth off only on loopback.
// Method: in-process requests through buildApp with the fixture's keys (stored as SHA-256).
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { buildFixture, expectProblem, tokens } from '../routes/route-fixture.ts'
import { checkAuthAllowedOff, hashApiKey, isLoopbackHost } from './auth.ts'

async function setup() {
  const f = buildFixture()
  await f.createTable('alpha')
  await f.createTable('beta')
  await f.send('PUT', '/v1/tables/beta/keys/secret', { body: 'bob-data' })
  return f
}

describe('auth: authentication', () => {
  it('auth: no Authorization header: 401 with WWW-Authenticate', async () => {
    const f = await setup()
    const response = await f.send('GET', '/v1/tables/alpha/keys/k', { token: null })
    expect(response.headers.get('www-authenticate')).toContain('Bearer')
    await expectProblem(response, 401)
  })

  it('auth: wrong key and revoked key: 401 with the same detail', async () => {
    const f = await setup()
    const wrong = await f.send('GET', '/v1/tables/alpha', { token: 'not-a-key' })
    const revoked = await f.send('GET', '/v1/tables/alpha', { token: tokens.revoked })
    const a = await expectProblem(wrong, 401)
    const b = await expectProblem(revoked, 401)
    expect(a).toEqual(b)
  })

  it('auth: malformed headers: 400 (basic scheme, no token, two headers, overlong)', async () => {
    const f = await setup()
    for (const value of [
      'Basic abc',
      'Bearer',
      'Bearer ',
      `Bearer ${tokens.ops}, Bearer ${tokens.alice}`,
      `Bearer ${'a'.repeat(600)}`,
      'Bearer a b',
    ]) {
      const response = await f.send('GET', '/v1/tables', { headers: { authorization: value } })
      await expectProblem(response, 400)
    }
  })

  it('auth: the scheme is case-insensitive: lowercase bearer works', async () => {
    const f = await setup()
    const headers = { authorization: `bearer ${tokens.ops}` }
    expect((await f.send('GET', '/v1/tables', { headers })).status).toBe(200)
  })

  it('auth: keys are configured as digests: the SHA-256 of the token', () => {
    expect(hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })
})

describe('auth: authorization', () => {
  it('auth: cross-tenant: 403, same for existing and missing keys', async () => {
    const f = await setup()
    const as = { token: tokens.alice }
    const existing = await expectProblem(
      await f.send('GET', '/v1/tables/beta/keys/secret', as),
      403,
    )
    const missing = await expectProblem(await f.send('GET', '/v1/tables/beta/keys/none', as), 403)
    const noTable = await expectProblem(await f.send('GET', '/v1/tables/zeta/keys/none', as), 403)
    expect(existing).toEqual(missing)
    expect(existing).toEqual(noTable)
    await expectProblem(
      await f.send('PUT', '/v1/tables/beta/keys/secret', { ...as, body: 'x' }),
      403,
    )
    expect(await (await f.send('GET', '/v1/tables/beta/keys/secret')).text()).toBe('bob-data')
  })

  it('auth: read scope reads but cannot write; write scope writes', async () => {
    const f = await setup()
    const reader = { token: tokens.aliceReader }
    await f.send('PUT', '/v1/tables/alpha/keys/k', { body: 'v', token: tokens.alice })
    expect((await f.send('GET', '/v1/tables/alpha/keys/k', reader)).status).toBe(200)
    await expectProblem(
      await f.send('PUT', '/v1/tables/alpha/keys/k', { ...reader, body: 'x' }),
      403,
    )
    await expectProblem(await f.send('DELETE', '/v1/tables/alpha/keys/k', reader), 403)
    const multi = JSON.stringify({ keys: ['k'] })
    const read = await f.send('POST', '/v1/tables/alpha/multi-get', { ...reader, body: multi })
    expect(read.status).toBe(200)
  })

  it('auth: disabled: every route is open', async () => {
    const f = buildFixture({ auth: false })
    expect((await f.send('PUT', '/v1/tables/alpha', { token: null })).status).toBe(201)
    expect((await f.send('GET', '/v1/cluster', { token: null })).status).toBe(200)
  })
})

describe('auth: loopback rule', () => {
  it('auth: loopback hosts are recognised, others are not', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      'localhost',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(host), host).toBe(true)
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '128.0.0.1',
      'example.com',
      '127.0.0.1.nip.io',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false)
    }
  })

  it('auth: disabled auth on a public address is refused; enabled auth anywhere is fine', () => {
    expect(() => checkAuthAllowedOff('127.0.0.1', { enabled: false })).not.toThrow()
    expect(() => checkAuthAllowedOff('0.0.0.0', { enabled: true, keys: [] })).not.toThrow()
    let thrown: unknown
    try {
      checkAuthAllowedOff('0.0.0.0', { enabled: false })
    } catch (error) {
      thrown = error
    }
    expect(isShoalError(thrown, 'bad-request')).toBe(true)
  })
})
