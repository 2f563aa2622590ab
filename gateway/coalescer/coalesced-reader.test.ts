// Goal: the async shell keeps the strong-read rule under every interleaving, settles waiters
// without polling, lets waiters leave on deadline or abort, and collapses a hot key to about
// one backend read per round trip. Method: fast-check's scheduler decides when each backend
// read reaches the register, when writes apply and acknowledge, and when clients start; a
// strong read must return a version >= every write acknowledged before it began (the per-key
// check of TESTING.md). The planted bug joinAnyInFlight must be caught by the same property.
// Deadlines and load run on ManualClock (virtual time).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { ManualClock } from '../../test/harness/manual-clock.ts'
import type { AbortSource } from '../backend/gateway-backend.ts'
import { CoalescedReader } from './coalesced-reader.ts'
import { Coalescer, defaultCoalescerOptions, type Consistency } from './coalescer.ts'

/** How often the property had something to check, so it cannot pass vacuously. */
const coverage = { strongReadsAfterAck: 0, runs: 0 }

interface Register {
  version: number
  ackedVersion: number
}

type ClientOp =
  | { kind: 'write' }
  | { kind: 'read'; consistency: Consistency; abort: boolean; viaSource?: boolean }

const opArb: fc.Arbitrary<ClientOp> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'write' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      consistency: fc.constantFrom<Consistency>('strong', 'strong', 'eventual'),
      abort: fc.constant(false),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      consistency: fc.constantFrom<Consistency>('strong', 'eventual'),
      abort: fc.constant(true),
      // Cancellation through an AbortSource (callbacks) instead of the signal.
      viaSource: fc.boolean(),
    }),
  },
)

/** An AbortSource over a signal, as a request deadline provides one. */
function sourceOf(signal: AbortSignal): AbortSource {
  return {
    onAbort: (listener) => {
      if (signal.aborted) {
        listener(signal.reason as Error)
        return () => {}
      }
      const onAbort = (): void => listener(signal.reason as Error)
      signal.addEventListener('abort', onAbort, { once: true })
      return () => signal.removeEventListener('abort', onAbort)
    },
  }
}

/** One run: clients issue ops at scheduler-chosen times; returns the violations seen. */
async function runInterleaving(
  scheduler: fc.Scheduler,
  ops: ClientOp[],
  options: { joinAnyInFlight: boolean },
): Promise<string[]> {
  const clock = new ManualClock()
  const register: Register = { version: 0, ackedVersion: 0 }
  const coalescer = new Coalescer({ ...defaultCoalescerOptions, ...options })
  const reader = new CoalescedReader<string, number>(clock, clock, coalescer, {
    keyOf: (key) => key,
    readBackend: async () => {
      await scheduler.schedule(Promise.resolve('read reaches the leader'))
      const seen = register.version // the backend register is itself linearizable
      await scheduler.schedule(Promise.resolve('read reply travels back'))
      return seen
    },
  })
  const violations: string[] = []
  const write = async (): Promise<void> => {
    await scheduler.schedule(Promise.resolve('write commits'))
    register.version++
    const version = register.version
    await scheduler.schedule(Promise.resolve('write ack travels back'))
    register.ackedVersion = Math.max(register.ackedVersion, version)
  }
  const read = async (op: Extract<ClientOp, { kind: 'read' }>): Promise<void> => {
    const mustSee = register.ackedVersion
    const controller = new AbortController()
    const pending = reader.read('k', {
      consistency: op.consistency,
      deadlineMs: 1_000_000,
      ...(op.viaSource === true
        ? { abortSource: sourceOf(controller.signal) }
        : { signal: controller.signal }),
    })
    if (op.abort) {
      void scheduler.schedule(Promise.resolve('client aborts')).then(() => controller.abort())
    }
    try {
      const result = await pending
      if (op.consistency === 'strong' && mustSee > 0) coverage.strongReadsAfterAck++
      if (op.consistency === 'strong' && result.value < mustSee) {
        violations.push(`strong read returned v${result.value} after v${mustSee} was acked`)
      }
    } catch (error) {
      if (!(op.abort && isShoalError(error, 'aborted'))) throw error
    }
  }
  const clients = ops.map(async (op) => {
    await scheduler.schedule(Promise.resolve('client starts'))
    if (op.kind === 'write') await write()
    else await read(op)
  })
  // A flight's completion starts the next flight a few microtasks later; drain the macrotask
  // queue between rounds so the scheduler sees every task it is asked to schedule.
  do {
    await scheduler.waitAll()
    await new Promise((resolve) => setImmediate(resolve))
  } while (scheduler.count() > 0)
  await Promise.all(clients)
  expect(coalescer.keyCount).toBe(0)
  expect(coalescer.waiterCount).toBe(0)
  expect(reader.flightCount).toBe(0)
  expect(clock.pendingCount()).toBe(0) // every deadline timer was cancelled
  return violations
}

const interleavingProperty = (joinAnyInFlight: boolean): fc.IAsyncPropertyWithHooks<unknown[]> =>
  fc.asyncProperty(
    fc.scheduler(),
    fc.array(opArb, { minLength: 4, maxLength: 16 }),
    async (scheduler, ops) => {
      coverage.runs++
      const violations = await runInterleaving(scheduler, ops, { joinAnyInFlight })
      if (violations.length > 0) throw new Error(violations.join('; '))
    },
  )

describe('coalesced-reader interleavings', () => {
  it('coalesced-reader: every interleaving: strong reads see earlier acked writes', async () => {
    await fc.assert(interleavingProperty(false), { numRuns: 400, timeout: 5000 })
    console.log(
      `interleavings: ${coverage.runs} runs, ${coverage.strongReadsAfterAck} ` +
        'strong reads began after an acknowledged write',
    )
    expect(coverage.strongReadsAfterAck).toBeGreaterThan(100)
  })

  it('coalesced-reader: planted bug joinAnyInFlight: the same property fails', async () => {
    const runsToCatch: number[] = []
    for (const seed of [1, 2, 3, 42]) {
      const result = await fc.check(interleavingProperty(true), { numRuns: 400, seed })
      expect(result.failed).toBe(true)
      expect(String(result.errorInstance)).toMatch(/strong read returned v\d+ after v\d+ was acked/)
      runsToCatch.push(result.numRuns)
    }
    console.log(`planted joinAnyInFlight caught after ${runsToCatch.join(', ')} runs`)
  })
})
