// Goal: a process the harness spawned does not outlive the process that spawned it (a test
// runner killed at its timeout used to leave whole clusters running). Method: a real parent
// spawns a sleeper via spawnTs and is SIGKILLed; the sleeper must be gone within seconds.
import { describe, expect, it } from 'vitest'
import { isAlive, spawnTs, waitFor } from './processes.ts'

describe('exit with parent', () => {
  it('exit with parent: a spawned child ends itself when its parent is SIGKILLed', async () => {
    const parent = spawnTs('test/harness/exit-with-parent.parent.ts', [])
    let sleeperPid = 0
    await waitFor(
      'sleeper pid',
      () => {
        const match = /sleeper (\d+)/.exec(parent.output())
        if (match !== null) sleeperPid = Number(match[1])
        return sleeperPid > 0
      },
      { timeoutMs: 30_000 },
    )
    expect(isAlive(sleeperPid)).toBe(true)
    parent.child.kill('SIGKILL')
    await parent.exited()
    await waitFor('sleeper gone', () => !isAlive(sleeperPid), { timeoutMs: 20_000 })
    expect(isAlive(sleeperPid)).toBe(false)
  }, 60_000)
})
