// Goal: the callback form of a coalesced read (`join`) keeps each waiter's own deadline with
// one deadline sweep per flight instead of a timer per waiter, settles every waiter exactly
// once, and keeps the flight-cancellation rules. Method: a backend whose reads finish after a
// fixed round trip on ManualClock timers (virtual time); the number of pending timers shows
// that waiters share their flight's sweep; callbacks record every settlement they get.
import { describe, expect, it } from 'vitest'
import { ShoalError } from '../../shared/errors.ts'
import { fullGc } from '../../test/harness/gc.ts'
import { ShedError, type CoalescedRead } from './coalesced-reader.ts'
import type { Consistency } from './coalescer.ts'
import { harness, type Harness } from './reader-harness.test-helper.ts'

/** What one waiter's callback received, in order (a correct waiter gets exactly one entry). */
interface Seen {
  calls: Array<{ error: ShoalError | null; read: CoalescedRead<string> | null }>
}

function join(
  h: Harness,
  options: { consistency: Consistency; deadlineMs: number; message?: string },
): Seen & { ticket: ReturnType<Harness['reader']['join']> } {
  const seen: Seen = { calls: [] }
  const message = options.message
  const ticket = h.reader.join(
    'k',
    {
      consistency: options.consistency,
      deadlineMs: options.deadlineMs,
      ...(message === undefined
        ? {}
        : { deadlineError: () => new ShoalError('deadline-exceeded', message) }),
    },
    { readSettled: (error, read) => seen.calls.push({ error, read }) },
  )
  return { ...seen, ticket }
}

/** Lets the backend's promise callbacks (the flight's settlement) run. */
async function flush(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve))
}

describe('coalesced-reader join', () => {
  it('join: own deadlines on one flight: one sweep timer, each leaves at its own', async () => {
    const h = harness({ roundTripMs: 100 })
    const first = join(h, { consistency: 'eventual', deadlineMs: 10, message: 'first late' })
    const second = join(h, { consistency: 'eventual', deadlineMs: 30 })
    const third = join(h, { consistency: 'eventual', deadlineMs: 500 })
    expect(h.clock.pendingCount()).toBe(2) // the backend's reply and the flight's one sweep
    h.clock.advance(10)
    expect(first.calls).toEqual([{ error: expect.any(ShoalError), read: null }])
    expect(first.calls[0]?.error?.message).toBe('first late')
    expect(first.calls[0]?.error?.code).toBe('deadline-exceeded')
    expect(second.calls).toEqual([])
    expect(h.clock.pendingCount()).toBe(2) // the sweep re-armed for the next deadline
    h.clock.advance(19)
    expect(second.calls).toEqual([])
    h.clock.advance(1)
    expect(second.calls.map((call) => call.error?.code)).toEqual(['deadline-exceeded'])
    expect(second.calls[0]?.error?.message).toBe('the read deadline passed')
    h.clock.advance(70)
    await flush()
    expect(third.calls).toEqual([
      { error: null, read: { value: 'k@1', role: 'follower', fanIn: 1, departedAtMs: 0 } },
    ])
    expect(h.backend.aborted).toBe(0)
    expect(h.coalescer.stats.left).toBe(2)
    expect(h.clock.pendingCount()).toBe(0) // the settled flight cancelled its sweep
    expect(h.reader.flightCount).toBe(0)
  })

  it('join: a later waiter with an earlier deadline: the sweep re-arms for it', () => {
    const h = harness({ roundTripMs: 100 })
    const patient = join(h, { consistency: 'eventual', deadlineMs: 50 })
    const hasty = join(h, { consistency: 'eventual', deadlineMs: 20 })
    expect(h.clock.pendingCount()).toBe(2)
    h.clock.advance(20)
    expect(hasty.calls.map((call) => call.error?.code)).toEqual(['deadline-exceeded'])
    expect(patient.calls).toEqual([])
    h.clock.advance(30)
    expect(patient.calls.map((call) => call.error?.code)).toEqual(['deadline-exceeded'])
    expect(h.backend.aborted).toBe(1) // its last waiter left: the flight was cancelled
    expect(h.clock.pendingCount()).toBe(0)
  })

  it("join: the forming flight's waiters expire: it is dropped, never sent", async () => {
    const h = harness({ roundTripMs: 10 })
    const inAir = join(h, { consistency: 'strong', deadlineMs: 1_000 })
    const forming = [1, 2].map(() => join(h, { consistency: 'strong', deadlineMs: 5 }))
    expect(h.reader.flightCount).toBe(2)
    expect(h.clock.pendingCount()).toBe(3) // a reply and one sweep per flight
    h.clock.advance(5)
    for (const waiter of forming) {
      expect(waiter.calls.map((call) => call.error?.code)).toEqual(['deadline-exceeded'])
    }
    expect(h.reader.flightCount).toBe(1)
    h.clock.advance(5)
    await flush()
    expect(inAir.calls.map((call) => call.read?.value)).toEqual(['k@1'])
    expect(h.backend.started).toBe(1)
    expect(h.clock.pendingCount()).toBe(0)
    expect(h.coalescer.keyCount).toBe(0)
  })

  it('join: every waiter in the air expires: cancelled, the forming flight departs', async () => {
    const h = harness({ roundTripMs: 10 })
    const inAir = join(h, { consistency: 'strong', deadlineMs: 5 })
    const next = join(h, { consistency: 'strong', deadlineMs: 100 })
    h.clock.advance(5)
    expect(inAir.calls.map((call) => call.error?.code)).toEqual(['deadline-exceeded'])
    expect(h.backend.aborted).toBe(1)
    expect(h.backend.started).toBe(2)
    h.clock.advance(10)
    await flush()
    expect(next.calls).toEqual([
      { error: null, read: { value: 'k@2', role: 'leader', fanIn: 1, departedAtMs: 5 } },
    ])
    expect(h.clock.pendingCount()).toBe(0)
  })

  it('join: a flight settles: the forming flight departs before any callback runs', async () => {
    const h = harness({ roundTripMs: 10 })
    const startedWhenSettled: number[] = []
    for (let i = 0; i < 3; i++) {
      h.reader.join(
        'k',
        { consistency: 'strong', deadlineMs: 100 },
        { readSettled: () => startedWhenSettled.push(h.backend.started) },
      )
    }
    expect(h.backend.started).toBe(1)
    h.clock.advance(10)
    await flush()
    expect(startedWhenSettled).toEqual([2]) // flight 1's only waiter saw flight 2 in the air
    h.clock.advance(10)
    await flush()
    expect(startedWhenSettled).toEqual([2, 2, 2])
  })

  it('join: clients join and leave during one long flight: left records are dropped', () => {
    const h = harness({ roundTripMs: 10_000 })
    const staying = join(h, { consistency: 'eventual', deadlineMs: 60_000 })
    for (let i = 0; i < 1_000; i++) {
      join(h, { consistency: 'eventual', deadlineMs: 60_000 }).ticket?.leave(
        new ShoalError('aborted', 'client left'),
      )
    }
    expect(h.coalescer.waiterCount).toBe(1)
    expect(h.reader.waiterRecordCount).toBeLessThanOrEqual(2 * 1 + 32 + 1)
    expect(staying.calls).toEqual([])
    expect(h.backend.aborted).toBe(0)
  })

  it('join: deadline already passed or shed: done runs before join returns', () => {
    const h = harness({ roundTripMs: 10, waitersPerKeyMax: 1 })
    h.clock.advance(50)
    const late = join(h, { consistency: 'strong', deadlineMs: 50 })
    expect(late.ticket).toBeNull()
    expect(late.calls.map((call) => call.error?.code)).toEqual(['deadline-exceeded'])
    const admitted = join(h, { consistency: 'strong', deadlineMs: 100 })
    expect(admitted.ticket).not.toBeNull()
    const shed = join(h, { consistency: 'strong', deadlineMs: 100 })
    expect(shed.ticket).toBeNull()
    expect(shed.calls).toHaveLength(1)
    expect(shed.calls[0]?.error).toBeInstanceOf(ShedError)
    expect(h.reader.flightCount).toBe(1)
  })

  it('join: a ticket leaves: done runs once; leaving after the answer does nothing', async () => {
    const h = harness({ roundTripMs: 10 })
    const leaving = join(h, { consistency: 'eventual', deadlineMs: 100 })
    const staying = join(h, { consistency: 'eventual', deadlineMs: 100 })
    const aborted = new ShoalError('aborted', 'client left')
    leaving.ticket?.leave(aborted)
    leaving.ticket?.leave(aborted)
    expect(leaving.calls).toEqual([{ error: aborted, read: null }])
    expect(h.backend.aborted).toBe(0) // another waiter still rides the flight
    h.clock.advance(10)
    await flush()
    staying.ticket?.leave(aborted)
    expect(staying.calls).toHaveLength(1)
    expect(staying.calls[0]?.read?.value).toBe('k@1')
    expect(staying.calls[0]?.read?.fanIn).toBe(1)
    expect(h.coalescer.waiterCount).toBe(0)
  })

  it('join: settled after the I/O batch: a read beside the reply rides flight 2', async () => {
    for (const deferred of [false, true]) {
      const h = harness({ roundTripMs: 10, afterIoBatch: deferred })
      const first = join(h, { consistency: 'strong', deadlineMs: 1_000 })
      const waiting = join(h, { consistency: 'strong', deadlineMs: 1_000 })
      h.clock.advance(10)
      await flush() // flight 1's reply has arrived
      // Read in the same I/O batch as the reply: deferred, flight 1 is not settled yet and
      // flight 2 is still forming, so this read rides flight 2, which departs after it.
      const sameBatch = join(h, { consistency: 'strong', deadlineMs: 1_000 })
      expect(first.calls).toHaveLength(deferred ? 0 : 1)
      expect(h.backend.started).toBe(deferred ? 1 : 2)
      for (const run of h.ioBatch.splice(0)) run()
      expect(first.calls[0]?.read?.value).toBe('k@1')
      expect(h.backend.started).toBe(2) // flight 2 departed at the settlement
      h.clock.advance(10)
      await flush()
      for (const run of h.ioBatch.splice(0)) run()
      expect(waiting.calls[0]?.read?.value).toBe('k@2')
      expect(waiting.calls[0]?.read?.fanIn).toBe(deferred ? 2 : 1)
      // Never an earlier flight: undeferred, the late read departs on flight 3 by itself.
      expect(sameBatch.calls[0]?.read?.value ?? 'pending').toBe(deferred ? 'k@2' : 'pending')
      h.clock.advance(10)
      await flush()
      expect(sameBatch.calls[0]?.read?.value).toBe(deferred ? 'k@2' : 'k@3')
      expect(h.reader.flightCount).toBe(0)
    }
  })

  it('join: a ticket kept after its flight settled keeps no other waiter reachable', async () => {
    // A forgotten flight record can stay reachable for a while (from a Map's old backing
    // table, or from a ticket like this one); it must not keep its waiters' requests alive.
    const h = harness({ roundTripMs: 10 })
    const kept = join(h, { consistency: 'eventual', deadlineMs: 1_000 })
    const others = ((): Array<WeakRef<object>> => {
      const refs: Array<WeakRef<object>> = []
      for (let i = 0; i < 3; i++) {
        const sink = { readSettled: (): void => {} }
        h.reader.join('k', { consistency: 'eventual', deadlineMs: 1_000 }, sink)
        refs.push(new WeakRef(sink))
      }
      return refs
    })()
    h.clock.advance(10)
    await flush()
    expect(kept.calls[0]?.read?.fanIn).toBe(4)
    await flush() // WeakRef targets stay alive until the job that made them ends
    fullGc()
    expect(others.map((ref) => ref.deref() === undefined)).toEqual([true, true, true])
    expect(kept.ticket).not.toBeNull() // held to here
  })
})
