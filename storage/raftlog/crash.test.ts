// Crash recovery of the raft log under the system-crash model (TESTING.md D1-D2): appends run
// on MemFileSystem behind a FaultFileSystem whose fsyncs and directory operations wait on
// timers the test releases one by one, so a crash lands between append and fsync, inside a
// segment rotation or a GC. After each seeded crash the log must reopen, every acknowledged
// entry must be there, and anything beyond must be exactly what was in flight. The same runs
// with the planted bug 'ack-before-fsync' must report lost acknowledged entries (the test's
// power to catch an early acknowledgement), in a stated share of the seeds.
import { describe, expect, it } from 'vitest'
import { fromUtf8, utf8 } from '../../shared/codecs/bytes.ts'
import type { Prng } from '../../shared/random/prng.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import type { TimerHandle, Timers } from '../../shared/time/clock.ts'
import { FaultFileSystem } from '../vfs/fault-fs.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import type { RaftLogEngineOptions } from './log-engine.ts'
import { RaftLogEngine } from './log-engine.ts'

const dir = '/node/raftlog'
const shardCount = 4

class StepTimers implements Timers {
  readonly pending: Array<() => void> = []
  after(_delayMs: number, callback: () => void): TimerHandle {
    this.pending.push(callback)
    return { cancel: () => {} }
  }
  every(): TimerHandle {
    throw new Error('not used')
  }
  /** Fires the oldest pending timer, if any. */
  step(): boolean {
    const callback = this.pending.shift()
    callback?.()
    return callback !== undefined
  }
}

async function microtasks(count = 10): Promise<void> {
  for (let i = 0; i < count; i++) await Promise.resolve()
}

/** Runs timers until `promise` settles. */
async function settle<T>(timers: StepTimers, promise: Promise<T>): Promise<T> {
  let done = false
  const watched = promise.finally(() => {
    done = true
  })
  watched.catch(() => {})
  while (!done) {
    await microtasks()
    if (!done && !timers.step()) await microtasks(50)
  }
  return promise
}

interface Acked {
  /** Per shard: data of every acknowledged entry by index. */
  entries: Map<number, Map<number, string>>
  compactedThrough: Map<number, number>
}

async function runUntilCrash(
  seed: number,
  extra: RaftLogEngineOptions = {},
): Promise<{
  crashed: MemFileSystem
  acked: Acked
  inFlight: Map<string, string>
}> {
  const prng: Prng = new SeededPrng(seed)
  const mem = new MemFileSystem()
  const timers = new StepTimers()
  const fs = new FaultFileSystem(mem, {
    prng: prng.fork(),
    latency: { timers, minMs: 1, maxMs: 1 },
  })
  const options = { segmentBytesTarget: 4096, closedSegmentsMax: 1, ...extra }
  const engine = await settle(timers, RaftLogEngine.open(fs, dir, options))
  const acked: Acked = { entries: new Map(), compactedThrough: new Map() }
  const next = new Map<number, number>()
  const issue = (inFlight: Map<string, string>) => {
    const shardId = prng.intInclusive(0, shardCount - 1)
    const first = next.get(shardId) ?? 1
    const count = prng.intInclusive(1, 4)
    next.set(shardId, first + count)
    const entries = Array.from({ length: count }, (_, i) => ({
      index: first + i,
      term: 1,
      data: utf8(`s${shardId}-${first + i}-${seed}`.padEnd(prng.intInclusive(10, 700), '.')),
    }))
    for (const e of entries) inFlight.set(`${shardId}/${e.index}`, fromUtf8(e.data))
    return engine.append([{ shardId, entries }]).then(() => {
      const map = acked.entries.get(shardId) ?? new Map<number, string>()
      for (const e of entries) map.set(e.index, fromUtf8(e.data))
      acked.entries.set(shardId, map)
    })
  }
  const rounds = prng.intInclusive(3, 25)
  for (let round = 0; round < rounds; round++) {
    const batch = Array.from({ length: prng.intInclusive(1, 6) }, () => issue(new Map()))
    const shardId = prng.intInclusive(0, shardCount - 1)
    const ackedLast = Math.max(0, ...(acked.entries.get(shardId)?.keys() ?? []))
    if (prng.chance(0.3) && ackedLast > 2) {
      const through = ackedLast - 2
      batch.push(
        engine.compact(shardId, through).then(() => {
          acked.compactedThrough.set(shardId, through)
        }),
      )
    }
    await settle(timers, Promise.all(batch))
  }
  const inFlight = new Map<string, string>()
  const final = Array.from({ length: prng.intInclusive(1, 6) }, () => issue(inFlight))
  for (const promise of final) promise.catch(() => {})
  await microtasks()
  for (let steps = prng.intInclusive(0, 4); steps > 0; steps--) {
    timers.step()
    await microtasks()
  }
  return { crashed: mem.crashClone(prng.fork(), 'system'), acked, inFlight }
}

interface Outcome {
  /** The first broken promise found, or null. */
  violation: string | null
  cut: boolean
  deleted: boolean
}

/** One seeded run: crash, reopen, compare with what was acknowledged and in flight. */
async function crashAndCheck(seed: number, extra: RaftLogEngineOptions = {}): Promise<Outcome> {
  const { crashed, acked, inFlight } = await runUntilCrash(seed, extra)
  const engine = await RaftLogEngine.open(crashed, dir)
  const outcome: Outcome = {
    violation: null,
    cut: engine.stats.recoveredCutBytes > 0,
    deleted: engine.segmentIds()[0]! > 1,
  }
  const fail = (what: string): void => {
    outcome.violation ??= `seed ${seed}: ${what}`
  }
  for (let shardId = 0; shardId < shardCount; shardId++) {
    const expected = acked.entries.get(shardId) ?? new Map<number, string>()
    const compacted = acked.compactedThrough.get(shardId) ?? 0
    const first = engine.firstIndex(shardId)
    const last = engine.lastIndex(shardId)
    if (first < compacted + 1) fail(`shard ${shardId} compaction through ${compacted} lost`)
    const got = engine.entries(shardId, first, last + 1, Infinity)
    if (got === 'compacted') throw new Error('unexpected compacted')
    for (const [index, data] of expected) {
      if (index < first) continue
      const entry = got[index - first]
      if (entry === undefined || fromUtf8(entry.data) !== data) {
        fail(`shard ${shardId}: acknowledged entry ${index} lost`)
      }
    }
    for (const entry of got) {
      const known = expected.get(entry.index) ?? inFlight.get(`${shardId}/${entry.index}`)
      if (fromUtf8(entry.data) !== known) fail(`shard ${shardId}: entry ${entry.index} unknown`)
    }
  }
  await engine.close()
  return outcome
}

const seeds = 60

describe('raftlog crash recovery', () => {
  it('recovery: system crash at seeded moments: every acknowledged entry survives', async () => {
    let cuts = 0
    let deletions = 0
    for (let seed = 1; seed <= seeds; seed++) {
      const outcome = await crashAndCheck(seed)
      expect(outcome.violation).toBe(null)
      if (outcome.cut) cuts++
      if (outcome.deleted) deletions++
    }
    // Anti-vacuity: some crashes tore a batch, some runs had collected segments.
    expect(cuts).toBeGreaterThan(0)
    expect(deletions).toBeGreaterThan(0)
  })

  it('recovery: planted ack-before-fsync: lost acknowledged entries are caught', async () => {
    const caught: number[] = []
    for (let seed = 1; seed <= seeds; seed++) {
      const outcome = await crashAndCheck(seed, { plantedBug: 'ack-before-fsync' })
      if (outcome.violation !== null) caught.push(seed)
    }
    // Measured: caught in 11 of the 60 seeds. In the others the crash keeps the early-acked
    // bytes (a power loss may keep unsynced data whole) or lands before anything was acked.
    expect(caught.length, `caught in ${caught.length}/${seeds} seeds`).toBeGreaterThanOrEqual(5)
  })
})
