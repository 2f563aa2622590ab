// The unique-value pre-pass, rule by rule: a value nobody wrote, a read before its write was
// invoked, the clamp of an observed unknown write, and the stale read; and no finding (or
// clamp) where values repeat or appends make states concatenations.
import { describe, expect, it } from 'vitest'
import type { Operation } from './operation.ts'
import { prepassUniqueValues } from './prepass.ts'

const op = (
  f: Operation['f'],
  value: string | null,
  callMs: number,
  returnMs: number,
  outcome: Operation['outcome'] = 'ok',
): Operation => ({
  id: 0,
  process: 'p',
  f,
  key: 'k',
  value,
  expected: null,
  outcome,
  callMs,
  returnMs,
})
const run = (ops: Operation[]) =>
  prepassUniqueValues(
    ops,
    ops.map((o) => (o.outcome === 'unknown' ? Infinity : o.returnMs)),
    null,
  )

describe('prepassUniqueValues', () => {
  it('prepass: value nobody wrote: violation naming the read', () => {
    expect(run([op('put', 'a', 0, 1), op('get', 'z', 2, 3)])).toEqual({
      kind: 'violation',
      reason: 'observed "z", which no op wrote',
      ops: [1],
    })
  })
  it('prepass: read returning before its write is invoked: violation with both', () => {
    const result = run([op('get', 'a', 0, 1), op('put', 'a', 2, 3)])
    expect(result).toMatchObject({ kind: 'violation', ops: [0, 1] })
  })
  it('prepass: observed unknown write: return clamped to the first observation', () => {
    const ops = [op('put', 'a', 0, 1, 'unknown'), op('get', 'a', 5, 9), op('get', 'a', 6, 7)]
    expect(run(ops)).toEqual({ kind: 'ok', returnTimes: [7, 9, 7] })
  })
  it('prepass: stale read: violation with the read, its write and the overwrite', () => {
    const ops = [op('put', 'a', 0, 1), op('delete', null, 2, 3), op('get', 'a', 4, 5)]
    expect(run(ops)).toMatchObject({ kind: 'violation', ops: [2, 0, 1] })
  })
  it('prepass: repeated values or appends: no finding, nothing clamped', () => {
    const repeated = [op('put', 'a', 0, 1), op('put', 'b', 2, 3), op('put', 'a', 4, 5, 'unknown')]
    repeated.push(op('get', 'a', 6, 7))
    expect(run(repeated)).toEqual({ kind: 'ok', returnTimes: [1, 3, Infinity, 7] })
    const appends = [op('append', 'x', 0, 1), op('get', 'x', 2, 3), op('get', 'zz', 4, 5)]
    expect(run(appends).kind).toBe('ok')
  })
})
