// Goal: with coalescing off (SHOAL_COALESCING=off, used by the peer comparisons), every read is
// its own backend read with its own deadline, settles its caller exactly once, and a read that
// ends early (deadline or leave) aborts its backend call. Method: the reader over a backend on
// ManualClock timers (virtual time) through both the callback and the promise forms.
import { describe, expect, it } from 'vitest'
import { ShoalError } from '../../shared/errors.ts'
import { ManualClock } from '../../test/harness/manual-clock.ts'
import type { CoalescedRead } from '../coalescer/coalesced-reader.ts'
import { Coalescer, defaultCoalescerOptions } from '../coalescer/coalescer.ts'
import { UncoalescedReader } from './build-cluster-backend.ts'

function fixture(roundTripMs: number) {
  const clock = new ManualClock()
  const backend = { started: 0, aborted: 0 }
  const reader = new UncoalescedReader<string, string>(
    clock,
    clock,
    new Coalescer(defaultCoalescerOptions),
    {
      keyOf: (key) => key,
      readBackend: (key, { signal }) => {
        const n = ++backend.started
        return new Promise((resolve, reject) => {
          const timer = clock.after(roundTripMs, () => resolve(`${key}@${n}`))
          signal.addEventListener('abort', () => {
            backend.aborted++
            timer.cancel()
            reject(signal.reason)
          })
        })
      },
    },
  )
  return { clock, backend, reader }
}

function recorder() {
  const calls: Array<{ error: ShoalError | null; read: CoalescedRead<string> | null }> = []
  return {
    calls,
    readSettled: (error: ShoalError | null, read: CoalescedRead<string> | null) => {
      calls.push({ error, read })
    },
  }
}

describe('UncoalescedReader', () => {
  it('uncoalesced: concurrent reads of one key: one backend read each, fan-in 1', async () => {
    const { clock, backend, reader } = fixture(10)
    const reads = [1, 2, 3].map(() =>
      reader.read('k', { consistency: 'strong', deadlineMs: clock.monotonicMs() + 100 }),
    )
    clock.advance(10)
    const done = await Promise.all(reads)
    expect(backend.started).toBe(3)
    expect(done.map((r) => [r.value, r.role, r.fanIn])).toEqual([
      ['k@1', 'leader', 1],
      ['k@2', 'leader', 1],
      ['k@3', 'leader', 1],
    ])
  })

  it('uncoalesced: the deadline passes first: one deadline-exceeded, backend aborted', async () => {
    const { clock, backend, reader } = fixture(50)
    const sink = recorder()
    reader.join('k', { consistency: 'strong', deadlineMs: clock.monotonicMs() + 20 }, sink)
    clock.advance(20)
    clock.advance(40)
    await Promise.resolve()
    expect(sink.calls.map((c) => c.error?.code ?? 'ok')).toEqual(['deadline-exceeded'])
    expect(backend.aborted).toBe(1)
  })

  it('uncoalesced: the caller leaves: settled with its error once, backend aborted', async () => {
    const { clock, backend, reader } = fixture(50)
    const sink = recorder()
    const ticket = reader.join(
      'k',
      { consistency: 'eventual', deadlineMs: clock.monotonicMs() + 500 },
      sink,
    )
    ticket?.leave(new ShoalError('aborted', 'client gone'))
    ticket?.leave(new ShoalError('aborted', 'again'))
    clock.advance(60)
    await Promise.resolve()
    expect(sink.calls.map((c) => c.error?.message ?? 'ok')).toEqual(['client gone'])
    expect(backend.aborted).toBe(1)
  })

  it('uncoalesced: a deadline already passed: settled at once, no backend read', () => {
    const { clock, backend, reader } = fixture(10)
    const sink = recorder()
    const ticket = reader.join(
      'k',
      { consistency: 'strong', deadlineMs: clock.monotonicMs() },
      sink,
    )
    expect(ticket).toBeNull()
    expect(sink.calls.map((c) => c.error?.code)).toEqual(['deadline-exceeded'])
    expect(backend.started).toBe(0)
  })
})
