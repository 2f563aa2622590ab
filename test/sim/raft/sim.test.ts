// Goal: prove the Raft core safe and live under faults, and prove the simulator can fail.
// Method: run the deterministic cluster simulator over many seeds (two fault profiles), replay
// seeds to compare trace hashes, and switch on deliberately planted protocol bugs that the
// simulator's checker must catch within a stated number of seeds.
import { describe, expect, it } from 'vitest'
import type { PlantedBug } from '../../../storage/raft/config.ts'
import { runSeed } from './run-seed.ts'
import type { SimResult } from './run-seed.ts'

const STEPS = 2000
/** Figure 8 and lease violations need longer runs: with 5,000 steps they show up ~10x more. */
const LONG_STEPS = 5000

function failures(results: SimResult[]): string {
  return results
    .filter((r) => !r.ok)
    .map((r) => `seed ${r.seed}: ${r.failure}\n  replay: ${r.replay}`)
    .join('\n')
}

function firstFailure(
  bug: PlantedBug,
  maxSeeds: number,
  profile: 'default' | 'churn' = 'churn',
  steps = STEPS,
): SimResult | undefined {
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const result = runSeed(seed, steps, bug, profile)
    if (!result.ok) return result
  }
  return undefined
}

describe('raft simulator', () => {
  it('raft sim: 500 default seeds x 2000 steps: no safety or liveness violation', () => {
    const results: SimResult[] = []
    for (let seed = 1; seed <= 500; seed++) results.push(runSeed(seed, STEPS))
    expect(failures(results)).toBe('')
    const leaders = results.reduce((n, r) => n + r.stats.leadersElected, 0)
    const reads = results.reduce((n, r) => n + r.stats.readsServed, 0)
    const confChanges = results.reduce((n, r) => n + r.stats.confChanges, 0)
    const snapshots = results.reduce((n, r) => n + r.stats.snapshotsInstalled, 0)
    // The faults must actually bite: many elections, reads served, membership changes.
    expect(leaders).toBeGreaterThan(1000)
    expect(reads).toBeGreaterThan(5000)
    expect(confChanges).toBeGreaterThan(100)
    expect(snapshots).toBeGreaterThan(50)
  })

  it('raft sim: 500 churn seeds x 2000 steps: no safety or liveness violation', () => {
    const results: SimResult[] = []
    for (let seed = 1; seed <= 500; seed++) results.push(runSeed(seed, STEPS, undefined, 'churn'))
    expect(failures(results)).toBe('')
  })

  it('raft sim: a seed replayed twice: identical trace hash and stats', () => {
    for (const seed of [3, 42, 977]) {
      const a = runSeed(seed, STEPS)
      const b = runSeed(seed, STEPS)
      expect(b.traceHash).toBe(a.traceHash)
      expect(b.stats).toEqual(a.stats)
      expect(runSeed(seed + 1, STEPS).traceHash).not.toBe(a.traceHash)
    }
  })

  // Measured: first caught at churn seed 23 (5 of the first 506 seeds fail).
  it('raft sim: planted bug commit-earlier-term-by-count: caught within 1000 churn seeds', () => {
    const failure = firstFailure('commit-earlier-term-by-count', 1000, 'churn', LONG_STEPS)
    expect(failure?.failure).toMatch(/leader completeness|committed entry changed|state machine/)
    expect(failure?.replay).toContain('--planted-bug commit-earlier-term-by-count')
  })

  // Measured: caught at churn seed 1 (17 of the first 20 fail).
  it('raft sim: planted bug no-log-up-to-date-check: caught within 20 churn seeds', () => {
    const failure = firstFailure('no-log-up-to-date-check', 20)
    expect(failure?.failure).toMatch(/SafetyViolation/)
  })

  // Measured: first caught at churn seed 7.
  it('raft sim: planted bug vote-not-persisted: caught within 50 churn seeds', () => {
    const failure = firstFailure('vote-not-persisted', 50)
    expect(failure?.failure).toMatch(/election safety|SafetyViolation/)
  })

  // Measured: first caught at default seed 145.
  it('raft sim: planted bug lease-never-expires: a stale read within 1000 default seeds', () => {
    const failure = firstFailure('lease-never-expires', 1000, 'default', LONG_STEPS)
    expect(failure?.failure).toMatch(/stale read/)
  })

  // Measured: first caught at default seed 15; 13 of the first 100 default seeds fail.
  it('raft sim: planted bug read-without-readindex: a stale read within 100 default seeds', () => {
    let caught = 0
    for (let seed = 1; seed <= 100; seed++) {
      if (!runSeed(seed, STEPS, 'read-without-readindex').ok) caught++
    }
    const failure = firstFailure('read-without-readindex', 100, 'default')
    console.log(
      `planted read-without-readindex: first caught at seed ${failure?.seed}, ` +
        `detected in ${caught}/100 default seeds`,
    )
    expect(failure?.failure).toMatch(/stale read/)
    expect(failure?.replay).toContain('--planted-bug read-without-readindex')
  })

  it('raft sim: a failing seed: replays to the same failure and trace', () => {
    const failure = firstFailure('vote-not-persisted', 50)
    expect(failure).toBeDefined()
    const again = runSeed(failure!.seed, STEPS, 'vote-not-persisted', 'churn')
    expect(again.failure).toBe(failure!.failure)
    expect(again.traceHash).toBe(failure!.traceHash)
  })
})
