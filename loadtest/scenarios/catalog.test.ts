// The scenario catalog and its JSON export agree, every scenario is valid, and the key and
// operation pickers draw what the description says: checked by sampling with a seeded Prng
// (Zipf frequencies against the exact probabilities, mix shares against the weights).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { scenarioNamed, scenarios, scenariosJson } from './catalog.ts'
import { keyPicker, mixPicker, searchCdf, zipfCdf } from './key-picker.ts'
import { Scenario, withOverrides } from './scenario.ts'

describe('scenario catalog', () => {
  it('scenario catalog: JSON export: matches catalog.ts (run export.ts after edits)', () => {
    const onDisk = readFileSync(join(import.meta.dirname, 'scenarios.json'), 'utf8')
    expect(onDisk).toBe(scenariosJson())
  })

  it('scenario catalog: the five scenarios of issue 9: present and valid', () => {
    expect(scenarios.map((s) => s.name)).toEqual([
      'hot-key-storm', 'zipf-read-heavy', 'write-heavy', 'multi-get-fanout', 'cas-counter',
    ])
    for (const s of scenarios) expect(Scenario.safeParse(s).success).toBe(true)
    expect(scenarioNamed('zipf-read-heavy').keys).toEqual({ kind: 'zipf', s: 0.99,
      keys: 100_000 })
  })

  it('scenario catalog: unknown name or bad override: a clear error', () => {
    expect(() => scenarioNamed('nope')).toThrow(/unknown scenario 'nope'/)
    expect(() => withOverrides(scenarios[0]!, { ratePerSec: -1 })).toThrow()
    const bad = { ...scenarios[0]!, mix: { read: 0, write: 0, multiGet: 0, cas: 0 } }
    expect(Scenario.safeParse(bad).success).toBe(false)
    const stale = { ...scenarios[0]!, consistency: 'strong', maxStalenessMs: 5 }
    expect(Scenario.safeParse(stale).success).toBe(false)
  })
})

describe('key picker', () => {
  it('key picker: zipf(0.99) over 1000 keys: rank frequencies match the distribution', () => {
    const draws = 200_000
    const picker = keyPicker({ kind: 'zipf', s: 0.99, keys: 1_000 }, new SeededPrng(7))
    const counts = new Array<number>(1_000).fill(0)
    for (let i = 0; i < draws; i++) counts[picker.next()]!++
    const cdf = zipfCdf(0.99, 1_000)
    for (const rank of [0, 1, 9, 99]) {
      const p = cdf[rank]! - (rank === 0 ? 0 : cdf[rank - 1]!)
      const sd = Math.sqrt(draws * p * (1 - p))
      expect(Math.abs(counts[rank]! - draws * p)).toBeLessThan(5 * sd)
    }
    expect(counts[0]!).toBeGreaterThan(counts[10]! * 5)
  })

  it('key picker: searchCdf: first index at or above u, bounds included', () => {
    const cdf = new Float64Array([0.25, 0.5, 1])
    expect(searchCdf(cdf, 0)).toBe(0)
    expect(searchCdf(cdf, 0.25)).toBe(0)
    expect(searchCdf(cdf, 0.26)).toBe(1)
    expect(searchCdf(cdf, 0.999)).toBe(2)
  })

  it('key picker: uniform and hot: ranks stay in range', () => {
    const uniform = keyPicker({ kind: 'uniform', keys: 8 }, new SeededPrng(3))
    const seen = new Set<number>()
    for (let i = 0; i < 1_000; i++) seen.add(uniform.next())
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(keyPicker({ kind: 'hot', key: 'h' }, new SeededPrng(3)).next()).toBe(0)
  })

  it('key picker: mix 95/5: shares match the weights, zero weights never drawn', () => {
    const next = mixPicker({ read: 95, write: 5, multiGet: 0, cas: 0 }, new SeededPrng(11))
    let writes = 0
    for (let i = 0; i < 20_000; i++) {
      const kind = next()
      expect(kind === 'read' || kind === 'write').toBe(true)
      if (kind === 'write') writes++
    }
    expect(writes / 20_000).toBeGreaterThan(0.04)
    expect(writes / 20_000).toBeLessThan(0.06)
  })
})
