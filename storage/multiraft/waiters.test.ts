// Goal: a proposal waiter leaves nothing reachable once the table lets it go. V8 keeps the
// entries of a Map's outgrown backing table, and a table in the old generation survives every
// scavenge: a waiter still referenced from such a table kept its caller's promise and request
// alive into the old generation (~0.6 MB promoted per scavenge on a leader under puts).
// Method: the table is moved to the old generation by a full GC, a waiter holding a young
// payload (~2 MB of small objects) is added, the table outgrows itself, the waiter leaves,
// and after two scavenges the old generation must not have grown by the payload. Fails when a
// removed slot keeps its waiter.
import { describe, expect, it } from 'vitest'
import { ShoalError } from '../../shared/errors.ts'
import { promotedAfterRemoval } from '../../test/harness/gc.ts'
import { ProposalWaiters, type ProposalWaiter } from './waiters.ts'

const payloadObjects = 60_000

function waiterHolding(payload: object | null): ProposalWaiter<string> {
  const held = { payload }
  return { term: 1, resolve: () => void held, reject: () => void held }
}

type Leave = (waiters: ProposalWaiters<string>, index: number) => void

const leaves: Array<[string, Leave]> = [
  ['applied', (w, index) => w.applied(index, 1, 'done')],
  ['take', (w, index) => void w.take(index)],
  ['delete', (w, index) => w.delete(index)],
  ['rejectAll', (w) => w.rejectAll(new ShoalError('unavailable', 'stopped'))],
]

describe('proposal waiters', () => {
  it.each(leaves)('waiters: after %s, the waiter is not kept by an old table', (_, leave) => {
    const waiters = new ProposalWaiters<string>()
    const promoted = promotedAfterRemoval(
      {
        add: (index, payload) => waiters.add(index, waiterHolding(payload)),
        remove: (index) => leave(waiters, index),
      },
      payloadObjects,
    )
    expect(promoted).toBeLessThan(payloadObjects * 8) // kept, it is ~32 bytes per object
    expect(waiters.get(2)).toBeUndefined()
  })

  it('waiters: applied settles a waiter of the same term, rejects one overwritten', () => {
    const waiters = new ProposalWaiters<string>()
    const seen: string[] = []
    waiters.add(5, { term: 2, resolve: (v) => seen.push(`ok ${v}`), reject: () => seen.push('x') })
    waiters.add(6, { term: 2, resolve: () => seen.push('wrong'), reject: () => seen.push('over') })
    waiters.applied(5, 2, 'r5')
    waiters.applied(6, 3, 'r6')
    waiters.applied(7, 1, 'nobody')
    expect(seen).toEqual(['ok r5', 'over'])
    expect(waiters.size).toBe(0)
  })
})
