// checkHistory on hand-made histories whose verdicts are known by reasoning: stale and impossible
// reads, cas and delete semantics, unknown (timed-out) writes, per-key independence, the budgets
// that give `unknown`, input validation, and what the violation report points at.
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { checkHistory, type CheckOptions } from './check-history.ts'
import type { Operation, Outcome, Value } from './operation.ts'
import { renderViolation } from './violation.ts'

let nextId = 0
function op(
  fields: Pick<Operation, 'f' | 'key' | 'value' | 'callMs' | 'returnMs'> &
    Partial<Pick<Operation, 'expected' | 'outcome' | 'process'>>,
): Operation {
  return { id: nextId++, process: fields.process ?? 'p', expected: null, outcome: 'ok', ...fields }
}
const put = (value: string, callMs: number, returnMs: number, outcome: Outcome = 'ok', key = 'k') =>
  op({ f: 'put', key, value, callMs, returnMs, outcome })
const get = (value: Value, callMs: number, returnMs: number, key = 'k') =>
  op({ f: 'get', key, value, callMs, returnMs })
const del = (callMs: number, returnMs: number, outcome: Outcome = 'ok') =>
  op({ f: 'delete', key: 'k', value: null, callMs, returnMs, outcome })
const cas = (expected: Value, value: string, callMs: number, returnMs: number, outcome: Outcome) =>
  op({ f: 'cas', key: 'k', expected, value, callMs, returnMs, outcome })

const verdict = (ops: Operation[], options: CheckOptions = {}) => checkHistory(ops, options).verdict
const both = (ops: Operation[]) => [verdict(ops), verdict(ops, { prepass: false })]

describe('checkHistory', () => {
  it('checkHistory: empty history: linearizable', () => {
    expect(verdict([])).toBe('linearizable')
  })
  it('checkHistory: sequential put then get of it: linearizable', () => {
    expect(both([put('a', 0, 1), get('a', 2, 3)])).toEqual(['linearizable', 'linearizable'])
  })
  it('checkHistory: read of an overwritten value after the overwrite: not linearizable', () => {
    const ops = [put('a', 0, 1), put('b', 2, 3), get('a', 4, 5)]
    expect(both(ops)).toEqual(['not-linearizable', 'not-linearizable'])
  })
  it('checkHistory: read concurrent with a write: may see either value', () => {
    expect(verdict([put('a', 0, 1), put('b', 2, 6), get('a', 3, 4)])).toBe('linearizable')
    expect(verdict([put('a', 0, 1), put('b', 2, 6), get('b', 3, 4)])).toBe('linearizable')
  })
  it('checkHistory: new value read, then old value read later: not linearizable', () => {
    const ops = [put('a', 0, 1), put('b', 2, 10), get('b', 3, 4), get('a', 5, 6)]
    expect(both(ops)).toEqual(['not-linearizable', 'not-linearizable'])
  })
  it('checkHistory: read of a value never written: not linearizable either way', () => {
    expect(both([put('a', 0, 1), get('z', 2, 3)])).toEqual(['not-linearizable', 'not-linearizable'])
  })
  it('checkHistory: read returning before the write is invoked: not linearizable', () => {
    expect(both([get('a', 0, 1), put('a', 2, 3)])).toEqual(['not-linearizable', 'not-linearizable'])
  })
  it('checkHistory: absent key read as nil; touching intervals count as concurrent', () => {
    expect(verdict([get(null, 0, 1), put('a', 2, 3), get(null, 3, 4)])).toBe('linearizable')
    expect(verdict([get(null, 0, 1), put('a', 2, 3), get(null, 4, 5)])).toBe('not-linearizable')
  })
  it('checkHistory: cas ok swaps, cas fail leaves the value; wrong outcomes are caught', () => {
    expect(verdict([put('a', 0, 1), cas('a', 'b', 2, 3, 'ok'), get('b', 4, 5)])).toBe(
      'linearizable',
    )
    expect(verdict([put('a', 0, 1), cas('x', 'b', 2, 3, 'fail'), get('a', 4, 5)])).toBe(
      'linearizable',
    )
    expect(verdict([put('a', 0, 1), cas('a', 'b', 2, 3, 'fail')])).toBe('not-linearizable')
    expect(verdict([put('a', 0, 1), cas('x', 'b', 2, 3, 'ok')])).toBe('not-linearizable')
    expect(verdict([cas(null, 'b', 0, 1, 'ok'), get('b', 2, 3)])).toBe('linearizable')
  })
  it('checkHistory: delete makes the key absent', () => {
    expect(verdict([put('a', 0, 1), del(2, 3), get(null, 4, 5)])).toBe('linearizable')
    expect(both([put('a', 0, 1), del(2, 3), get('a', 4, 5)])).toEqual([
      'not-linearizable',
      'not-linearizable',
    ])
  })
  it('checkHistory: unknown write: may take effect late or never', () => {
    expect(verdict([put('a', 0, 1), put('b', 2, 3, 'unknown'), get('a', 10, 11)])).toBe(
      'linearizable',
    )
    expect(verdict([put('a', 0, 1), put('b', 2, 3, 'unknown'), get('b', 50, 51)])).toBe(
      'linearizable',
    )
    const flipFlop = [put('a', 0, 1), put('b', 2, 3, 'unknown'), get('b', 4, 5), get('a', 6, 7)]
    expect(both(flipFlop)).toEqual(['not-linearizable', 'not-linearizable'])
  })
  it('checkHistory: unknown cas: may swap or not, its outcome unchecked', () => {
    const ops = [put('a', 0, 1), cas('a', 'b', 2, 3, 'unknown'), get('a', 4, 5), get('b', 6, 7)]
    expect(verdict(ops)).toBe('linearizable')
    expect(verdict([put('a', 0, 1), cas('x', 'b', 2, 3, 'unknown'), get('b', 4, 5)])).toBe(
      'not-linearizable',
    )
  })
  it('checkHistory: failed put and unknown get: dropped, they constrain nothing', () => {
    const result = checkHistory([
      put('a', 0, 1),
      put('b', 2, 3, 'fail'),
      op({ f: 'get', key: 'k', value: null, callMs: 4, returnMs: 5, outcome: 'unknown' }),
      get('a', 6, 7),
    ])
    expect(result.verdict).toBe('linearizable')
    expect(result.opsDropped).toBe(2)
  })
  it('checkHistory: keys are independent; the report names the bad key', () => {
    const ops = [put('a', 0, 1, 'ok', 'x'), get('a', 2, 3, 'x')]
    ops.push(put('a', 0, 1, 'ok', 'y'), put('b', 2, 3, 'ok', 'y'), get('a', 4, 5, 'y'))
    ops.push(put('q', 0, 1, 'ok', 'z'), get('r', 2, 3, 'z'))
    const first = checkHistory(ops)
    expect(first.verdict).toBe('not-linearizable')
    expect(first.violations.map((v) => v.key)).toEqual(['y'])
    const all = checkHistory(ops, { allPartitions: true })
    expect(all.violations.map((v) => v.key)).toEqual(['y', 'z'])
    expect(all.partitions.map((p) => p.verdict)).toEqual([
      'linearizable',
      'not-linearizable',
      'not-linearizable',
    ])
  })
  it('checkHistory: stale read: the report points at the read and shows the overwrite', () => {
    const stale = get('a', 4, 5)
    const result = checkHistory([put('a', 0, 1), put('b', 2, 3), stale], { prepass: false })
    const violation = result.violations[0]!
    expect(violation.blocked.id).toBe(stale.id)
    expect(violation.stateAtBlock).toBe('b')
    expect(violation.window.map((row) => row.op.f)).toEqual(['put', 'put', 'get'])
    const text = renderViolation(violation)
    expect(text).toContain('could not linearize')
    expect(text).toContain('<-- cannot be linearized here')
    expect(text).toContain('linearized #2 -> "b"')
  })
  it('checkHistory: stale read under the pre-pass: blamed on the read, with both writes', () => {
    const first = put('a', 0, 1)
    const second = put('b', 2, 3)
    const stale = get('a', 4, 5)
    const result = checkHistory([first, get('a', 1.5, 1.7), second, stale])
    const violation = result.violations[0]!
    expect(violation.reason).toBe('observed "a" after a later write had replaced it')
    expect(violation.blocked.id).toBe(stale.id)
    expect(violation.window.map((row) => [row.op.id, row.role])).toEqual([
      [first.id, 'writer'],
      [second.id, 'overwrite'],
      [stale.id, 'blocked'],
    ])
  })
  it('checkHistory: overwrite concurrent with the first write: not a stale read', () => {
    // put b may linearize before put a, so a read of a after both is fine.
    expect(verdict([put('a', 0, 3), put('b', 2, 4), get('a', 5, 6)])).toBe('linearizable')
    // An unknown put of b proves nothing about when (or whether) b replaced a.
    expect(verdict([put('a', 0, 1), put('b', 2, 3, 'unknown'), get('a', 5, 6)])).toBe(
      'linearizable',
    )
  })
})

/** Twelve concurrent writes and a read of a value none wrote: ~50,000 configurations. */
function hardIllegalHistory(): Operation[] {
  const ops = Array.from({ length: 12 }, (_, i) => put(`v${i}`, 0, 100))
  return [...ops, get('zzz', 200, 201)]
}

describe('checkHistory budgets', () => {
  it('checkHistory: partition time budget exhausted: unknown, never a pass', () => {
    let now = 0
    const result = checkHistory(hardIllegalHistory(), {
      prepass: false,
      partitionTimeoutMs: 50,
      nowMs: () => (now += 10),
    })
    expect(result.verdict).toBe('unknown')
    expect(result.partitions[0]!.gaveUp).toBe('deadline')
  })
  it('checkHistory: memo cache bound reached: unknown', () => {
    const result = checkHistory(hardIllegalHistory(), { prepass: false, cacheBytesMax: 64 * 1024 })
    expect(result.verdict).toBe('unknown')
    expect(result.partitions[0]!.gaveUp).toBe('memory')
  })
  it('checkHistory: same history with room: not linearizable', () => {
    expect(verdict(hardIllegalHistory(), { prepass: false })).toBe('not-linearizable')
  })
})

describe('checkHistory input validation', () => {
  const rejects = (ops: Operation[], message: RegExp) => {
    let caught: unknown
    try {
      checkHistory(ops)
    } catch (error) {
      caught = error
    }
    expect(isShoalError(caught, 'bad-request')).toBe(true)
    expect(String(caught)).toMatch(message)
  }
  it('checkHistory: op returning before its call: typed bad-request naming the op', () => {
    rejects([put('a', 5, 1)], /op #\d+ .*returns before it is invoked/)
  })
  it('checkHistory: duplicate op ids: typed bad-request', () => {
    const a = put('a', 0, 1)
    rejects([a, { ...a }], /used twice/)
  })
  it('checkHistory: put without a value, cas-only fields elsewhere: typed bad-request', () => {
    rejects([op({ f: 'put', key: 'k', value: null, callMs: 0, returnMs: 1 })], /needs a value/)
    rejects(
      [op({ f: 'get', key: 'k', value: null, expected: 'x', callMs: 0, returnMs: 1 })],
      /no expected/,
    )
  })
  it('checkHistory: non-positive budget: typed bad-request', () => {
    expect(() => checkHistory([], { timeoutMs: 0 })).toThrow(/timeoutMs must be positive/)
  })
})
