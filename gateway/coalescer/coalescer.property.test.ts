// Goal: the pure coalescer keeps its invariants over arbitrary event sequences, not only the
// transcripts. Method: fast-check drives random reads (two keys, both consistencies), replies
// (ok or failed) and leaves against the core, while a model records when each waiter arrived
// and when each flight departed. Checked after every step and at the end: a strong waiter is
// settled only by a flight that departed at or after its arrival; per key at most one flight
// is in the air; every waiter is settled exactly once unless it left; nothing leaks. The
// planted joinAnyInFlight bug must break the first check.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  Coalescer,
  defaultCoalescerOptions,
  type Consistency,
  type FlightId,
  type WaiterId,
} from './coalescer.ts'

type Step =
  | { kind: 'read'; key: 'a' | 'b'; consistency: Consistency }
  | { kind: 'reply'; pick: number; ok: boolean }
  | { kind: 'leave'; pick: number }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      key: fc.constantFrom('a' as const, 'b' as const),
      consistency: fc.constantFrom<Consistency>('strong', 'eventual'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reply' as const),
      pick: fc.nat(),
      ok: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leave' as const), pick: fc.nat() }) },
)

interface WaiterModel {
  flight: FlightId
  arrivedAt: number
  consistency: Consistency
  state: 'waiting' | 'settled' | 'left'
}

class Model {
  readonly waiters = new Map<WaiterId, WaiterModel>()
  /** Flights sent and not yet replied or cancelled: flight -> [key, departure step]. */
  readonly inAir = new Map<FlightId, { key: string; departedAt: number }>()
  readonly departedAt = new Map<FlightId, number>()
  readonly violations: string[] = []

  depart(flight: FlightId, key: string, step: number): void {
    for (const other of this.inAir.values()) {
      if (other.key === key) this.violations.push(`two flights in the air for ${key}`)
    }
    this.inAir.set(flight, { key, departedAt: step })
    this.departedAt.set(flight, step)
  }

  settle(flight: FlightId, waiters: readonly WaiterId[]): void {
    const departedAt = this.departedAt.get(flight)!
    for (const id of waiters) {
      const waiter = this.waiters.get(id)!
      if (waiter.state !== 'waiting')
        this.violations.push(`waiter ${id} settled when ${waiter.state}`)
      waiter.state = 'settled'
      if (waiter.consistency === 'strong' && departedAt < waiter.arrivedAt) {
        this.violations.push(
          `strong waiter ${id} (t=${waiter.arrivedAt}) rode flight ` +
            `${flight} sent at t=${departedAt}`,
        )
      }
    }
  }
}

function run(steps: Step[], options: { joinAnyInFlight: boolean }): string[] {
  const core = new Coalescer({ ...defaultCoalescerOptions, ...options })
  const model = new Model()
  const keyOfFlight = new Map<FlightId, string>()
  steps.forEach((step, t) => {
    if (step.kind === 'read') {
      const decision = core.onRead(step.key, { consistency: step.consistency, nowMs: t })
      if (decision.kind === 'shed') return
      keyOfFlight.set(decision.flight, step.key)
      model.waiters.set(decision.waiter, {
        flight: decision.flight,
        arrivedAt: t,
        consistency: step.consistency,
        state: 'waiting',
      })
      if (decision.kind === 'send') model.depart(decision.flight, step.key, t)
    } else if (step.kind === 'reply') {
      const flights = [...model.inAir.keys()]
      if (flights.length === 0) return
      const flight = flights[step.pick % flights.length]!
      model.inAir.delete(flight)
      const settlement = core.onReply(flight, { ok: step.ok, nowMs: t })
      model.settle(flight, settlement.waiters)
      if (settlement.next !== null) {
        model.depart(settlement.next, keyOfFlight.get(settlement.next)!, t)
      }
    } else {
      const waiting = [...model.waiters].filter(([, w]) => w.state === 'waiting')
      if (waiting.length === 0) return
      const [id, waiter] = waiting[step.pick % waiting.length]!
      waiter.state = 'left'
      const left = core.leave(waiter.flight, id, { nowMs: t })
      if (left.cancel !== null) model.inAir.delete(left.cancel)
      if (left.send !== null) model.depart(left.send, keyOfFlight.get(left.send)!, t)
    }
  })
  // Drain: reply to every flight in the air until nothing is left.
  for (let t = steps.length; model.inAir.size > 0; t++) {
    const [flight] = model.inAir.keys()
    model.inAir.delete(flight!)
    const settlement = core.onReply(flight!, { ok: true, nowMs: t })
    model.settle(flight!, settlement.waiters)
    if (settlement.next !== null) {
      model.depart(settlement.next, keyOfFlight.get(settlement.next)!, t)
    }
  }
  for (const [id, waiter] of model.waiters) {
    if (waiter.state === 'waiting') model.violations.push(`waiter ${id} never settled`)
  }
  if (core.keyCount !== 0) model.violations.push('keys left in the table')
  if (core.waiterCount !== 0) model.violations.push('waiters left in the table')
  return model.violations
}

describe('coalescer properties', () => {
  it('coalescer: random reads, replies and leaves: invariants hold', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const violations = run(steps, { joinAnyInFlight: false })
        if (violations.length > 0) throw new Error(violations.join('; '))
      }),
      { numRuns: 1000 },
    )
  })

  it('coalescer: planted joinAnyInFlight: a strong waiter rides an earlier flight', () => {
    const result = fc.check(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        const violations = run(steps, { joinAnyInFlight: true })
        if (violations.length > 0) throw new Error(violations.join('; '))
      }),
      { numRuns: 1000, seed: 7 },
    )
    expect(result.failed).toBe(true)
    expect(String(result.errorInstance)).toContain('rode flight')
  })
})
