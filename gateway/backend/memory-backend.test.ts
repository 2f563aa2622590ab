// Goal: the reference backend keeps the item semantics every backend must keep (the shared
// conformance suite), with its expiry on the injected clock, and honours its test seams.
// Method: backend-conformance.ts over a fresh MemoryBackend and ManualClock per test, plus
// direct checks of the gate and readiness seams.
import { describe, expect, it } from 'vitest'
import { isShoalError, ShoalError } from '../../shared/errors.ts'
import { ManualClock } from '../../test/harness/manual-clock.ts'
import { describeBackendConformance } from './backend-conformance.ts'
import { MemoryBackend } from './memory-backend.ts'

describeBackendConformance('memory-backend', {
  makeSubject: async () => {
    const clock = new ManualClock()
    return { backend: new MemoryBackend({ clock, shardCount: 4 }), clock }
  },
  controllableClock: true,
})

describe('memory-backend: seams', () => {
  it('memory-backend: the gate runs before each operation and can fail it', async () => {
    const seen: string[] = []
    const backend = new MemoryBackend({
      clock: new ManualClock(),
      gate: async (operation) => {
        seen.push(operation)
        if (operation === 'dropTable') throw new ShoalError('shard-unavailable', 'no leader')
      },
    })
    const call = { signal: new AbortController().signal }
    await backend.listTables(call)
    await expect(backend.dropTable('t', call)).rejects.toSatisfy((e) =>
      isShoalError(e, 'shard-unavailable'),
    )
    expect(seen).toEqual(['listTables', 'dropTable'])
  })

  it('memory-backend: readiness reports what the test sets', () => {
    const backend = new MemoryBackend({ clock: new ManualClock() })
    expect(backend.readiness().ready).toBe(true)
    backend.setReadiness({ ready: false, reasons: ['catalog unreachable'] })
    expect(backend.readiness()).toEqual({ ready: false, reasons: ['catalog unreachable'] })
  })
})
