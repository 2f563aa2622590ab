// Agreement with the dumb twin (brute-force.ts): on random histories of at most 7 ops from 3
// processes over 2 keys, with cas, delete, failed and unknown (info) outcomes and a small value
// alphabet (so values are sometimes unique, sometimes repeated, exercising the pre-pass both
// ways), checkHistory's verdict must equal that of enumerating every real-time-consistent order
// of all ops on a map of registers. Times are small integers so ties and touching intervals occur.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bruteForceLinearizable } from './brute-force.ts'
import { checkHistory } from './check-history.ts'
import type { Operation, Value } from './operation.ts'

const valueArb = fc.constantFrom('a', 'b', 'c')
const optionalValueArb = fc.constantFrom<Value>('a', 'b', 'c', null)

const opArb = fc
  .record({
    process: fc.constantFrom('0', '1', '2'),
    key: fc.constantFrom('x', 'y'),
    kind: fc.constantFrom('get', 'get', 'put', 'put', 'cas', 'delete'),
    value: valueArb,
    readValue: optionalValueArb,
    expected: optionalValueArb,
    outcome: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'unknown'),
    callMs: fc.integer({ min: 0, max: 12 }),
    durationMs: fc.integer({ min: 0, max: 6 }),
  })
  .map((r) => ({
    process: r.process,
    key: r.key,
    f: r.kind as Operation['f'],
    value: r.kind === 'get' ? r.readValue : r.kind === 'delete' ? null : r.value,
    expected: r.kind === 'cas' ? r.expected : null,
    outcome: r.outcome as Operation['outcome'],
    callMs: r.callMs,
    returnMs: r.callMs + r.durationMs,
  }))

const historyArb = fc
  .array(opArb, { minLength: 0, maxLength: 7 })
  .map((ops): Operation[] => ops.map((op, id) => ({ ...op, id })))

describe('checkHistory versus brute force', () => {
  it('checkHistory: random histories of up to 7 ops: same verdict as enumeration', () => {
    const seen = { linearizable: 0, 'not-linearizable': 0, unknown: 0 }
    fc.assert(
      fc.property(historyArb, fc.constantFrom<Value>(null, 'a'), (ops, initialValue) => {
        const result = checkHistory(ops, { initialValue })
        seen[result.verdict]++
        const expected = bruteForceLinearizable(ops, initialValue)
        expect(result.verdict).toBe(expected ? 'linearizable' : 'not-linearizable')
        const withoutPrepass = checkHistory(ops, { initialValue, prepass: false })
        expect(withoutPrepass.verdict).toBe(result.verdict)
      }),
      { numRuns: 10_000, seed: 20261121 },
    )
    // The property only means something if both verdicts were exercised often.
    expect(seen.linearizable).toBeGreaterThan(1_000)
    expect(seen['not-linearizable']).toBeGreaterThan(1_000)
    expect(seen.unknown).toBe(0)
  })
})
