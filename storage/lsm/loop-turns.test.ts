// LoopTurns: a writer that never leaves the microtask queue is made to yield one event-loop turn
// once the loop has not turned for the period, and never otherwise. Method: a manual clock, and
// setImmediate callbacks standing for the worker results and fsync completions that must run.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../test/harness/manual-clock.ts'
import { LoopTurns } from './loop-turns.ts'

describe('LoopTurns', () => {
  it('loop turns: a tight loop past the period yields; a turning loop never waits', async () => {
    const clock = new ManualClock()
    const turns = new LoopTurns(clock, 1)
    let ran = false
    setImmediate(() => (ran = true)) // a completion waiting for the event loop
    expect(turns.starved()).toBeUndefined() // arms the turn marker
    clock.advance(0.5)
    expect(turns.starved()).toBeUndefined() // within the period: no wait
    clock.advance(0.5)
    const wait = turns.starved()
    expect(wait).toBeDefined()
    expect(ran).toBe(false)
    await wait
    expect(ran).toBe(true) // the waiting completion ran before the writer went on
    // The loop turned (the marker ran): the next call re-arms instead of waiting.
    clock.advance(5)
    expect(turns.starved()).toBeUndefined()
    await nextTurn()
    clock.advance(5)
    expect(turns.starved()).toBeUndefined()
  })
})
