/**
 * A CoalescedReader over a backend whose reads finish after a fixed round trip on ManualClock
 * timers (virtual time), for the shell's scenario tests. `backend` counts reads started and
 * aborted; setting `backend.fail` makes reads that finish from then on fail with it. With
 * `afterIoBatch`, settlements wait in `ioBatch` until the test runs them (the end of an I/O
 * batch).
 */
import { ManualClock } from '../../test/harness/manual-clock.ts'
import { CoalescedReader } from './coalesced-reader.ts'
import { Coalescer, defaultCoalescerOptions } from './coalescer.ts'

export interface Harness {
  clock: ManualClock
  coalescer: Coalescer
  reader: CoalescedReader<string, string>
  backend: { started: number; aborted: number; fail: Error | null }
  /** Settlements deferred to the end of the I/O batch (with `afterIoBatch` only). */
  ioBatch: Array<() => void>
}

export function harness(options: {
  roundTripMs: number
  waitersPerKeyMax?: number
  afterIoBatch?: boolean
  flightCycleMsMin?: number
}): Harness {
  const clock = new ManualClock()
  const coalescer = new Coalescer({
    ...defaultCoalescerOptions,
    waitersPerKeyMax: options.waitersPerKeyMax ?? defaultCoalescerOptions.waitersPerKeyMax,
  })
  const backend = { started: 0, aborted: 0, fail: null as Error | null }
  const ioBatch: Array<() => void> = []
  const reader = new CoalescedReader<string, string>(clock, clock, coalescer, {
    keyOf: (key) => key,
    ...(options.afterIoBatch === true ? { afterIoBatch: (run) => ioBatch.push(run) } : {}),
    ...(options.flightCycleMsMin === undefined
      ? {}
      : { flightCycleMsMin: options.flightCycleMsMin }),
    readBackend: (key, { signal }) => {
      backend.started++
      const flightNumber = backend.started
      return new Promise((resolve, reject) => {
        const timer = clock.after(options.roundTripMs, () => {
          if (backend.fail !== null) reject(backend.fail)
          else resolve(`${key}@${flightNumber}`)
        })
        signal.addEventListener(
          'abort',
          () => {
            backend.aborted++
            timer.cancel()
            reject(signal.reason)
          },
          { once: true },
        )
      })
    },
  })
  return { clock, coalescer, reader, backend, ioBatch }
}
