// Goal: the shell's waiter lifecycle and load behaviour under virtual time. Method: a backend
// whose reads finish after a fixed round trip on ManualClock timers; scenarios for deadline,
// abort, cancellation, errors and shedding; then a hot key read by many clients at once must
// collapse to about one backend read per round trip, strong or eventual.
import { describe, expect, it } from 'vitest'
import { isShoalError, type ShoalError } from '../../shared/errors.ts'
import { ShedError } from './coalesced-reader.ts'
import type { Consistency } from './coalescer.ts'
import { harness } from './reader-harness.test-helper.ts'
import { coalescingKey } from './coalescing-key.ts'

/** Lets promise callbacks run; flights start the next flight from a callback. */
async function flush(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise }
  } catch (error) {
    return { error }
  }
}

describe('coalesced-reader scenarios', () => {
  it('coalesced-reader: strong read during a flight: rides the next flight', async () => {
    const h = harness({ roundTripMs: 10 })
    const first = h.reader.read('k', { consistency: 'strong', deadlineMs: 1000 })
    h.clock.advance(3)
    const second = h.reader.read('k', { consistency: 'strong', deadlineMs: 1000 })
    const third = h.reader.read('k', { consistency: 'eventual', deadlineMs: 1000 })
    h.clock.advance(7)
    await flush()
    expect(await first).toEqual({ value: 'k@1', role: 'leader', fanIn: 2, departedAtMs: 0 })
    expect(await third).toEqual({ value: 'k@1', role: 'follower', fanIn: 2, departedAtMs: 0 })
    h.clock.advance(10)
    await flush()
    expect(await second).toEqual({ value: 'k@2', role: 'leader', fanIn: 1, departedAtMs: 10 })
    expect(h.backend.started).toBe(2)
    expect(h.clock.pendingCount()).toBe(0)
  })

  it('coalesced-reader: min flight cycle: a quick reply held, the next flight fills', async () => {
    const h = harness({ roundTripMs: 1, flightCycleMsMin: 4 })
    const first = h.reader.read('k', { consistency: 'strong', deadlineMs: 1000 })
    h.clock.advance(1) // the reply is back, held until 4 ms after the departure
    await flush()
    const riders = [2, 3].map((atMs) => {
      h.clock.advance(atMs - h.clock.monotonicMs())
      return h.reader.read('k', { consistency: 'strong', deadlineMs: 1000 })
    })
    let answered = false
    void first.then(() => (answered = true))
    await flush()
    expect(answered).toBe(false)
    expect(h.backend.started).toBe(1) // the forming flight waits for the held reply
    h.clock.advance(1)
    await flush()
    expect(await first).toEqual({ value: 'k@1', role: 'leader', fanIn: 1, departedAtMs: 0 })
    expect(h.backend.started).toBe(2) // departed at 4 ms, after both riders arrived
    h.clock.advance(4)
    await flush()
    for (const rider of riders) {
      expect(await rider).toMatchObject({ value: 'k@2', fanIn: 2, departedAtMs: 4 })
    }
    expect(h.clock.pendingCount()).toBe(0)
  })

  it('coalesced-reader: one waiter passes its deadline: others still get the value', async () => {
    const h = harness({ roundTripMs: 10 })
    const early = settle(h.reader.read('k', { consistency: 'strong', deadlineMs: 5 }))
    const late = h.reader.read('k', { consistency: 'eventual', deadlineMs: 100 })
    h.clock.advance(5)
    const earlyResult = await early
    expect(isShoalError(earlyResult.error, 'deadline-exceeded')).toBe(true)
    h.clock.advance(5)
    await flush()
    expect((await late).value).toBe('k@1')
    expect(h.backend.aborted).toBe(0)
    expect(h.coalescer.stats.left).toBe(1)
  })

  it('coalesced-reader: every waiter aborts: the backend read is cancelled', async () => {
    const h = harness({ roundTripMs: 10 })
    const controllers = [new AbortController(), new AbortController()]
    const reads = controllers.map((controller) =>
      settle(
        h.reader.read('k', { consistency: 'eventual', deadlineMs: 100, signal: controller.signal }),
      ),
    )
    controllers[0]!.abort()
    expect(h.backend.aborted).toBe(0)
    controllers[1]!.abort()
    expect(h.backend.aborted).toBe(1)
    for (const read of reads) expect(isShoalError((await read).error, 'aborted')).toBe(true)
    await flush()
    expect(h.coalescer.keyCount).toBe(0)
    expect(h.reader.flightCount).toBe(0)
    expect(h.clock.pendingCount()).toBe(0)
  })

  it('coalesced-reader: flight in the air cancelled: forming flight departs at once', async () => {
    const h = harness({ roundTripMs: 10 })
    const controller = new AbortController()
    const first = settle(
      h.reader.read('k', {
        consistency: 'strong',
        deadlineMs: 100,
        signal: controller.signal,
      }),
    )
    const next = h.reader.read('k', { consistency: 'strong', deadlineMs: 100 })
    h.clock.advance(2)
    controller.abort()
    expect(isShoalError((await first).error, 'aborted')).toBe(true)
    expect(h.backend.started).toBe(2)
    h.clock.advance(10)
    await flush()
    expect((await next).value).toBe('k@2')
  })

  it('coalesced-reader: backend fails: every waiter gets the same clean error, once', async () => {
    const h = harness({ roundTripMs: 10 })
    h.backend.fail = new Error('connection reset')
    const reads = [0, 1, 2].map(() =>
      settle(h.reader.read('k', { consistency: 'eventual', deadlineMs: 100 })),
    )
    h.clock.advance(10)
    await flush()
    const errors = await Promise.all(reads)
    for (const { error } of errors) {
      expect(isShoalError(error, 'unavailable')).toBe(true)
      expect((error as ShoalError).cause).toBe(h.backend.fail)
    }
    expect(h.backend.started).toBe(1)
    expect(h.coalescer.stats.flightsFailed).toBe(1)
    // The failure is not remembered: the next read sends a fresh flight.
    h.backend.fail = null
    const again = h.reader.read('k', { consistency: 'eventual', deadlineMs: 100 })
    h.clock.advance(10)
    await flush()
    expect((await again).value).toBe('k@2')
  })

  it('coalesced-reader: waiters over the per-key limit: shed with retry-after', async () => {
    const h = harness({ roundTripMs: 10, waitersPerKeyMax: 2 })
    const reads = [0, 1].map(() => h.reader.read('k', { consistency: 'strong', deadlineMs: 100 }))
    const shed = await settle(h.reader.read('k', { consistency: 'strong', deadlineMs: 100 }))
    expect(shed.error).toBeInstanceOf(ShedError)
    expect((shed.error as ShedError).code).toBe('overloaded')
    expect((shed.error as ShedError).retryAfterMs).toBeGreaterThan(0)
    h.clock.advance(20)
    await flush()
    h.clock.advance(20)
    await flush()
    await Promise.all(reads)
  })

  it('coalesced-reader: aborted or expired before start: rejected, no flight', async () => {
    const h = harness({ roundTripMs: 10 })
    const controller = new AbortController()
    controller.abort()
    const aborted = await settle(
      h.reader.read('k', {
        consistency: 'strong',
        deadlineMs: 100,
        signal: controller.signal,
      }),
    )
    expect(isShoalError(aborted.error, 'aborted')).toBe(true)
    const expired = await settle(h.reader.read('k', { consistency: 'strong', deadlineMs: 0 }))
    expect(isShoalError(expired.error, 'deadline-exceeded')).toBe(true)
    expect(h.backend.started).toBe(0)
  })

  it('coalesced-reader: tenants on the same table key: never share a flight', () => {
    const base = { table: 't', partitionKey: new Uint8Array([1]), sortKey: new Uint8Array(0) }
    const a = coalescingKey({ ...base, tenant: 'a', variant: '' })
    const b = coalescingKey({ ...base, tenant: 'b', variant: '' })
    const asOf = coalescingKey({ ...base, tenant: 'a', variant: 'asOf=5' })
    expect(new Set([a, b, asOf]).size).toBe(3)
    // Length prefixes: tenant "a1:" + variant "" cannot equal tenant "a" + variant "1:".
    const tricky = coalescingKey({ ...base, tenant: 'a1:', variant: '' })
    const other = coalescingKey({ ...base, tenant: 'a', variant: '1:' })
    expect(tricky).not.toBe(other)
  })

  for (const consistency of ['strong', 'eventual'] as Consistency[]) {
    it(`coalesced-reader: hot key, ${consistency}: ~1 backend read per round trip`, async () => {
      const roundTripMs = 2
      const durationMs = 1000
      const readsPerMs = 50
      const h = harness({ roundTripMs })
      const reads: Array<Promise<unknown>> = []
      for (let t = 0; t < durationMs; t++) {
        for (let i = 0; i < readsPerMs; i++) {
          reads.push(h.reader.read('hot', { consistency, deadlineMs: t + 100 }))
        }
        h.clock.advance(1)
        await flush()
      }
      h.clock.advance(10)
      await flush()
      await Promise.all(reads)
      const { clientReads, backendReads } = h.coalescer.stats
      const roundTrips = durationMs / roundTripMs
      console.log(
        `hot key ${consistency}: ${clientReads} client reads, ${backendReads} ` +
          `backend reads over ${roundTrips} round trips ` +
          `(${(clientReads / backendReads).toFixed(1)}` +
          ' client reads per backend read)',
      )
      expect(clientReads).toBe(durationMs * readsPerMs)
      expect(backendReads).toBeLessThanOrEqual(roundTrips + 2)
      expect(backendReads).toBeGreaterThanOrEqual(roundTrips / 2)
      expect(clientReads / backendReads).toBeGreaterThanOrEqual(90)
    })
  }
})
