/**
 * The GatewayBackend conformance suite: the item semantics every backend must keep, written
 * once and run against each implementation (the MemoryBackend now; the ClusterBackend on a
 * real cluster later), as Hono runs one router suite against every router. Per-shard
 * increasing versions, server timestamps that never go back, reads by (timestamp, version),
 * tombstones, maxVersions trimming, TTLs, CAS against the visible version, scans with an
 * exclusive resume point, prompt aborts, and a fast-check model of puts and deletes.
 * Each test creates its own table, so one backend (or cluster) may serve the whole suite.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assert } from '../../shared/assert.ts'
import { utf8 } from '../../shared/codecs/bytes.ts'
import { isShoalError, ShoalError } from '../../shared/errors.ts'
import type { ManualClock } from '../../test/harness/manual-clock.ts'
import type { GatewayBackend, ItemRef, TableSettingsInput } from './gateway-backend.ts'

export interface ConformanceSubject {
  readonly backend: GatewayBackend
  /** The clock the backend's expiry reads, when the test can move it. */
  readonly clock: ManualClock | null
}

export interface ConformanceOptions {
  readonly makeSubject: () => Promise<ConformanceSubject>
  /** Runs the TTL cases, which move the subject's clock. */
  readonly controllableClock?: boolean
  readonly modelRuns?: number
}

const call = { signal: new AbortController().signal }
const settings: TableSettingsInput = { ttlSeconds: null, maxVersions: 3, valueBytesMax: 1024 }

function tableSetup(options: ConformanceOptions) {
  let tables = 0
  return async function setup(tableSettings: TableSettingsInput = settings) {
    const { backend, clock } = await options.makeSubject()
    tables += 1
    const table = `conformance-${tables}-${Date.now().toString(36)}`
    const created = await backend.createTable(table, tableSettings, call)
    assert(created.kind === 'created', 'a fresh table')
    const ref = (pk: string, sk = ''): ItemRef => ({
      table,
      partitionKey: utf8(pk),
      sortKey: utf8(sk),
    })
    const put = (r: ItemRef, value: string, extra: Record<string, unknown> = {}) =>
      backend.put(
        { ...r, value: utf8(value), contentType: 'text/plain', durability: 'majority', ...extra },
        call,
      )
    const get = async (r: ItemRef, asOf?: number): Promise<string | null> => {
      const result = await backend.get(
        { ...r, consistency: 'strong', ...(asOf === undefined ? {} : { asOf }) },
        call,
      )
      return result.kind === 'found' ? Buffer.from(result.item.value).toString() : null
    }
    return { backend, clock, table, ref, put, get }
  }
}

type Setup = ReturnType<typeof tableSetup>

function describeVersioning(name: string, setup: Setup): void {
  describe(`${name}: versions and ordering`, () => {
    it(`${name}: versions increase per key; server timestamps never go back`, async () => {
      const { put, ref } = await setup()
      let last = { version: 0, timestamp: 0 }
      for (let i = 0; i < 5; i++) {
        const result = await put(ref('k'), `v${i}`)
        expect(result.kind).toBe('ok')
        if (result.kind !== 'ok') return
        expect(result.version).toBeGreaterThan(last.version)
        expect(result.timestamp).toBeGreaterThan(last.timestamp)
        last = result
      }
    })
    it(`${name}: created is true only when no visible item existed`, async () => {
      const { backend, put, ref } = await setup()
      expect(await put(ref('k'), 'a')).toMatchObject({ created: true })
      expect(await put(ref('k'), 'b')).toMatchObject({ created: false })
      await backend.delete({ ...ref('k'), durability: 'majority' }, call)
      expect(await put(ref('k'), 'c')).toMatchObject({ created: true })
    })
    it(`${name}: highest timestamp wins; a tombstone only hides older versions`, async () => {
      const { backend, put, get, ref } = await setup()
      await put(ref('k'), 'new', { timestamp: 200 })
      await put(ref('k'), 'old', { timestamp: 100 })
      expect(await get(ref('k'))).toBe('new')
      await backend.delete({ ...ref('k'), durability: 'fast', timestamp: 150 }, call)
      expect(await get(ref('k'))).toBe('new')
      expect(await get(ref('k'), 160)).toBeNull()
      expect(await get(ref('k'), 120)).toBe('old')
    })
    it(`${name}: ties on timestamp go to the higher version`, async () => {
      const { put, get, ref } = await setup()
      await put(ref('k'), 'first', { timestamp: 100 })
      await put(ref('k'), 'second', { timestamp: 100 })
      expect(await get(ref('k'))).toBe('second')
    })
    it(`${name}: keeps at most maxVersions, newest first`, async () => {
      const { backend, put, ref } = await setup()
      for (let ts = 1; ts <= 5; ts++) await put(ref('k'), `v${ts}`, { timestamp: ts })
      const result = await backend.versions({ ...ref('k'), limit: 10, consistency: 'strong' }, call)
      expect(result.kind === 'ok' && result.versions.map((v) => v.timestamp)).toEqual([5, 4, 3])
    })
  })
}

function describeExpiryAndConditions(
  name: string,
  setup: Setup,
  options: ConformanceOptions,
): void {
  describe(`${name}: expiry, conditions, failures`, () => {
    it.skipIf(options.controllableClock !== true)(
      `${name}: item TTL and table TTL follow the injected clock`,
      async () => {
        const { clock, put, get, ref } = await setup()
        assert(clock !== null, 'controllableClock needs a clock')
        await put(ref('a'), 'x', { ttlSeconds: 2 })
        clock.advance(1_999)
        expect(await get(ref('a'))).toBe('x')
        clock.advance(1)
        expect(await get(ref('a'))).toBeNull()
        const table = await setup({ ...settings, ttlSeconds: 60 })
        const tableClock = table.clock
        assert(tableClock !== null, 'controllableClock needs a clock')
        await table.put(table.ref('b'), 'y')
        await table.put(table.ref('c'), 'old', { timestamp: tableClock.wallMs() - 61_000 })
        expect(await table.get(table.ref('b'))).toBe('y')
        expect(await table.get(table.ref('c'))).toBeNull()
        tableClock.advance(60_000)
        expect(await table.get(table.ref('b'))).toBeNull()
      },
    )
    it(`${name}: CAS compares with the visible version`, async () => {
      const { put, ref } = await setup()
      const first = await put(ref('k'), 'a')
      if (first.kind !== 'ok') throw new Error('put failed')
      const stale = { kind: 'if-match', version: first.version + 100 }
      expect(await put(ref('k'), 'b', { condition: stale })).toEqual({
        kind: 'precondition-failed',
        currentVersion: first.version,
      })
      const fresh = { kind: 'if-match', version: first.version }
      expect((await put(ref('k'), 'c', { condition: fresh })).kind).toBe('ok')
      expect((await put(ref('k'), 'd', { condition: { kind: 'if-none-match' } })).kind).toBe(
        'precondition-failed',
      )
    })
    it(`${name}: oversized value: too-large; missing table: a variant`, async () => {
      const { backend, put, ref } = await setup()
      await expect(put(ref('k'), 'x'.repeat(1025))).rejects.toSatisfy((e) =>
        isShoalError(e, 'too-large'),
      )
      const missing = await backend.get({ ...ref('k'), table: 'nope', consistency: 'strong' }, call)
      expect(missing).toEqual({ kind: 'table-not-found' })
    })
    it(`${name}: an aborted signal rejects with its ShoalError reason`, async () => {
      const { backend, ref } = await setup()
      const controller = new AbortController()
      controller.abort(new ShoalError('deadline-exceeded', 'late'))
      const read = backend.get({ ...ref('k'), consistency: 'strong' }, controller)
      await expect(read).rejects.toSatisfy((e) => isShoalError(e, 'deadline-exceeded'))
      const other = new AbortController()
      other.abort()
      await expect(backend.listTables(other)).rejects.toSatisfy((e) => isShoalError(e, 'aborted'))
    })
  })
}

function describeScanAndModel(name: string, setup: Setup, options: ConformanceOptions): void {
  describe(`${name}: scan and model`, () => {
    it(`${name}: resumeAfter is exclusive and null on the last page`, async () => {
      const { backend, put, ref, table } = await setup()
      for (const sk of ['a', 'b', 'c']) await put(ref('p', sk), sk)
      const scan = (after?: Uint8Array) =>
        backend.scan(
          {
            table,
            partitionKey: utf8('p'),
            limit: 2,
            reverse: false,
            consistency: 'strong',
            ...(after === undefined ? {} : { after }),
          },
          call,
        )
      const first = await scan()
      if (first.kind !== 'ok') throw new Error('scan failed')
      expect(first.items.map((i) => Buffer.from(i.sortKey).toString())).toEqual(['a', 'b'])
      expect(first.resumeAfter).toEqual(utf8('b'))
      const second = await scan(first.resumeAfter ?? undefined)
      expect(second.kind === 'ok' && second.items.map((i) => i.item.version)).toHaveLength(1)
      expect(second.kind === 'ok' && second.resumeAfter).toBeNull()
    })
    it(`${name}: random puts/deletes with timestamps agree with a naive model`, async () => {
      const op = fc.record({
        key: fc.constantFrom('a', 'b'),
        timestamp: fc.integer({ min: 1, max: 20 }),
        value: fc.option(fc.string({ maxLength: 3 }), { nil: null }),
      })
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
          const { backend, put, get, ref } = await setup({ ...settings, maxVersions: 1000 })
          const model = new Map<string, Array<{ ts: number; v: number; value: string | null }>>()
          for (const { key, timestamp, value } of ops) {
            const result =
              value === null
                ? await backend.delete({ ...ref(key), durability: 'majority', timestamp }, call)
                : await put(ref(key), value, { timestamp })
            if (result.kind !== 'ok') throw new Error('write failed')
            model.set(key, [...(model.get(key) ?? []), { ts: timestamp, v: result.version, value }])
          }
          for (const key of ['a', 'b']) {
            const entries = [...(model.get(key) ?? [])].sort((x, y) => y.ts - x.ts || y.v - x.v)
            expect(await get(ref(key))).toBe(entries[0]?.value ?? null)
          }
        }),
        { numRuns: options.modelRuns ?? 100 },
      )
    })
  })
}

export function describeBackendConformance(name: string, options: ConformanceOptions): void {
  const setup = tableSetup(options)
  describeVersioning(name, setup)
  describeExpiryAndConditions(name, setup, options)
  describeScanAndModel(name, setup, options)
}
