// Static ordering checks on the file-system trace of a raft log workload (TESTING.md part (d),
// ALICE-style, independent of crash luck): every ack follows an fsync covering everything
// appended so far; one batch is in flight at a time; a new segment's header is synced and
// its directory fsynced before it takes a batch; each removed segment is followed by a
// directory fsync before any other directory change.
import { describe, expect, it } from 'vitest'
import { utf8 } from '../../shared/codecs/bytes.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import type { Timers } from '../../shared/time/clock.ts'
import { FaultFileSystem } from '../vfs/fault-fs.ts'
import type { TraceEvent } from '../vfs/mem-fs.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import { RaftLogEngine } from './log-engine.ts'

const dir = '/node/raftlog'

/** Timers that fire on the next microtask: a sync then completes after its call returns. */
const microtaskTimers: Timers = {
  after: (_delayMs, callback) => {
    queueMicrotask(callback)
    return { cancel: () => {} }
  },
  every: () => {
    throw new Error('not used')
  },
}

async function tracedWorkload(): Promise<{ trace: TraceEvent[]; acks: number[] }> {
  const mem = new MemFileSystem({ trace: true })
  // The trace records a sync when it reaches the disk, after the injected latency.
  const fs = new FaultFileSystem(mem, {
    prng: new SeededPrng(1),
    latency: { timers: microtaskTimers, minMs: 1, maxMs: 1 },
  })
  const options = { segmentBytesTarget: 2048, closedSegmentsMax: 1 }
  const engine = await RaftLogEngine.open(fs, dir, options)
  const acks: number[] = [] // trace length when each append resolved
  const next = new Map<number, number>()
  for (let round = 0; round < 60; round++) {
    const calls = Array.from({ length: 1 + (round % 7) }, (_, i) => {
      const shardId = (round + i) % 5
      const index = next.get(shardId) ?? 1
      next.set(shardId, index + 1)
      const data = utf8(`r${round} s${shardId} i${index}`.padEnd(40 + ((round * 13) % 90), '-'))
      return engine.append([{ shardId, entries: [{ index, term: 1, data }] }]).then(() => {
        acks.push(mem.trace.length)
      })
    })
    const shardId = round % 5
    const through = Math.max(0, (next.get(shardId) ?? 1) - 3)
    if (round % 9 === 8) calls.push(engine.compact(shardId, through))
    await Promise.all(calls)
  }
  await engine.close()
  return { trace: mem.trace, acks }
}

describe('raftlog trace ordering', () => {
  it('ordering: acks, batches, segment create and remove: follow durability rules', async () => {
    const { trace, acks } = await tracedWorkload()
    const unsynced = new Map<string, number>() // path -> appended bytes not yet synced
    const syncedUpTo: boolean[] = [] // per trace position: is every append so far synced?
    let removePending = false
    let creates = 0
    let removes = 0
    trace.forEach((event, position) => {
      if (event.op === 'append') {
        expect(
          [...unsynced.values()].every((n) => n === 0),
          `batch in flight at ${position}`,
        ).toBe(true)
        unsynced.set(event.path, (unsynced.get(event.path) ?? 0) + event.bytes.length)
      }
      if (event.op === 'sync') unsynced.set(event.path, 0)
      if (event.op === 'create') {
        creates++
        expect(removePending).toBe(false)
        // Header append, its sync, then the directory fsync, before anything else happens.
        expect(trace.slice(position + 1, position + 4).map((e) => e.op)).toEqual([
          'append',
          'sync',
          'fsyncDir',
        ])
      }
      if (event.op === 'remove') {
        removes++
        expect(removePending, `two removes without a directory fsync at ${position}`).toBe(false)
        removePending = true
      }
      if (event.op === 'fsyncDir') removePending = false
      syncedUpTo[position + 1] = [...unsynced.values()].every((n) => n === 0)
    })
    for (const ack of acks) expect(syncedUpTo[ack], `ack at trace position ${ack}`).toBe(true)
    // Anti-vacuity: the workload rotated and collected segments.
    expect(creates).toBeGreaterThan(3)
    expect(removes).toBeGreaterThan(1)
    expect(acks.length).toBeGreaterThan(200)
  })
})
