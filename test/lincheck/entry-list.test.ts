// EntryList: entries come out in time order with calls before returns at equal times; lifting
// ops in any order and unlifting them in reverse restores the list exactly.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EntryList, headNode } from './entry-list.ts'

function walk(list: EntryList): string[] {
  const out: string[] = []
  for (let node = list.next[headNode]!; node !== list.tailNode; node = list.next[node]!) {
    out.push(`${list.isCall(node) ? 'c' : 'r'}${list.opOf[node]}`)
  }
  return out
}

describe('EntryList', () => {
  it('entry-list: order: by time, calls first at ties, returns of unknown ops last', () => {
    const list = new EntryList([0, 1, 2], [0, 2, 1], [2, 3, Infinity], true)
    expect(walk(list)).toEqual(['c0', 'c2', 'c1', 'r0', 'r1', 'r2'])
    const callsOnly = new EntryList([2, 0], [0, 2, 1], [2, 3, Infinity], false)
    expect(walk(callsOnly)).toEqual(['c0', 'c2'])
  })
  it('entry-list: lift in any order, unlift in reverse: the list is restored', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(20), fc.nat(5)), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        (intervals, seed) => {
          const calls = intervals.map(([c]) => c)
          const returns = intervals.map(([c, d]) => c + d)
          const ops = intervals.map((_, i) => i)
          const list = new EntryList(ops, calls, returns, true)
          const before = walk(list)
          const callNodes: number[] = []
          for (let node = 1; node < list.tailNode; node++)
            if (list.isCall(node)) callNodes.push(node)
          const order = [...callNodes].sort(
            (a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13),
          )
          for (const node of order) list.lift(node)
          expect(walk(list)).toEqual([])
          for (const node of [...order].reverse()) list.unlift(node)
          expect(walk(list)).toEqual(before)
        },
      ),
      { numRuns: 300, seed: 7 },
    )
  })
})
