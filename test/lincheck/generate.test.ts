// Histories linearizable by construction (generate.ts: an atomic register per key, each op taking
// effect at a random point inside its interval, some outcomes unknown) must be judged
// linearizable; their mutants (one read changed to a never-written value, or to a value
// overwritten before the read began) must be judged not linearizable, with the report pointing
// at the changed read. The size test checks the figure: 10,000 ops over 20 keys from 10
// clients, in seconds (the time is printed).
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { checkHistory } from './check-history.ts'
import { generateLinearizableHistory, mutateRead, type MutantKind } from './generate.ts'

const small = { ops: 400, keys: 3, clients: 5, unknownRate: 0.03, hotKeyShare: 0.3 }

describe('generated histories', () => {
  it('generate: 40 small histories with unknown outcomes: all linearizable', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const ops = generateLinearizableHistory(small, new SeededPrng(seed))
      expect(
        ops.some((op) => op.outcome === 'unknown'),
        `seed ${seed}`,
      ).toBe(true)
      expect(checkHistory(ops).verdict, `seed ${seed}`).toBe('linearizable')
      expect(checkHistory(ops, { prepass: false }).verdict, `seed ${seed}`).toBe('linearizable')
    }
  })

  for (const kind of ['never-written', 'overwritten'] as const satisfies MutantKind[]) {
    it(`generate: ${kind} read mutants: not linearizable, blamed on that read`, () => {
      let mutants = 0
      for (let seed = 1; seed <= 40; seed++) {
        const ops = generateLinearizableHistory(small, new SeededPrng(seed))
        const mutant = mutateRead(ops, kind, new SeededPrng(seed * 7))
        if (mutant === null) continue
        mutants++
        for (const prepass of [true, false]) {
          const result = checkHistory(mutant.ops, { prepass })
          expect(result.verdict, `seed ${seed} prepass ${prepass}`).toBe('not-linearizable')
          expect(result.violations[0]!.blocked.id, `seed ${seed}`).toBe(mutant.mutated)
        }
      }
      expect(mutants).toBeGreaterThan(30)
    })
  }

  it('generate: 10,000 ops, 20 keys, 10 clients: linearizable in seconds', () => {
    const options = { ops: 10_000, keys: 20, clients: 10, unknownRate: 0.01, hotKeyShare: 0 }
    const ops = generateLinearizableHistory(options, new SeededPrng(10_000))
    const result = checkHistory(ops)
    console.log(`lincheck: 10,000 ops / 20 keys / 10 clients: ${result.elapsedMs.toFixed(0)} ms`)
    expect(result.verdict).toBe('linearizable')
    expect(result.partitions).toHaveLength(20)
    expect(result.elapsedMs).toBeLessThan(5_000)
    const mutant = mutateRead(ops, 'overwritten', new SeededPrng(1))!
    const bad = checkHistory(mutant.ops)
    console.log(`lincheck: the same with a stale read: ${bad.elapsedMs.toFixed(0)} ms`)
    expect(bad.verdict).toBe('not-linearizable')
    expect(bad.violations[0]!.blocked.id).toBe(mutant.mutated)
  })

  it('generate: 10 histories of 20,000 ops, 50 keys, 30% on a hot key: each in seconds', () => {
    const options = { ops: 20_000, keys: 50, clients: 10, unknownRate: 0.01, hotKeyShare: 0.3 }
    const times: string[] = []
    for (let seed = 1; seed <= 10; seed++) {
      const ops = generateLinearizableHistory(options, new SeededPrng(seed))
      const result = checkHistory(ops)
      times.push(result.elapsedMs.toFixed(0))
      expect(result.verdict, `seed ${seed}`).toBe('linearizable')
      expect(result.elapsedMs, `seed ${seed}`).toBeLessThan(10_000)
    }
    console.log(`lincheck: 20,000 ops, hot key, 10 seeds: ${times.join(', ')} ms`)
  })

  it('generate: one key, 5,000 ops from 10 clients, and a stale read: in seconds', () => {
    const options = { ops: 5_000, keys: 1, clients: 10, unknownRate: 0.01, hotKeyShare: 0 }
    const ops = generateLinearizableHistory(options, new SeededPrng(5))
    const result = checkHistory(ops)
    expect(result.verdict).toBe('linearizable')
    const mutant = mutateRead(ops, 'overwritten', new SeededPrng(5))!
    const bad = checkHistory(mutant.ops)
    console.log(
      `lincheck: one key, 5,000 ops: ${result.elapsedMs.toFixed(0)} ms; ` +
        `stale read: ${bad.elapsedMs.toFixed(0)} ms`,
    )
    expect(bad.verdict).toBe('not-linearizable')
    expect(bad.violations[0]!.blocked.id).toBe(mutant.mutated)
  })
})
