// Crash-point test (whitebox kill points): a short life of a db (open, durable writes with
// flushes, close, reopen, ...) runs on the crashable in-memory file system, and after every
// file-system operation other than a plain append the test takes the state a power loss would
// leave (MemFileSystem.crashClone 'system': unsynced bytes and directory entries dropped or
// kept, seeded). Each state must open, pass the consistency check and hold apply(ops[1..k])
// for some k between the writes acknowledged and the writes issued at that point. Unlike the
// random-moment test (system-crash.test.ts) it lands inside open, manifest rollover and close,
// so it catches a missing directory fsync there (planted bug 'no-dir-fsync-after-rename'). Its
// directory fsyncs take an event-loop turn (slowDirSync), so a durable write into a WAL or value
// log whose name is not durable yet (a sync that does not wait for it) is caught too.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import type { FileSystem } from '../vfs/vfs.ts'
import { Db } from './db.ts'
import type { DbOptions, LsmPlantedBug } from './options.ts'
import { CrashWorkload, heldState } from './crash-workload.test-helper.ts'

const workload = new CrashWorkload({
  seedFactor: 104_729,
  seedOffset: 11,
  keys: 12,
  deleteChance: 0.15,
  bigChance: 0.3,
  bigBytes: 300,
  smallBytes: 24,
})
const LIVES = 3
const WRITES_PER_LIFE = 12

function options(fs: FileSystem, plantedBug: LsmPlantedBug | undefined): DbOptions {
  return {
    fs,
    dir: '/db',
    memtableBytes: 1024,
    blockBytes: 256,
    targetFileBytes: 2048,
    levelBaseBytes: 4096,
    l0CompactionTrigger: 2,
    valueLogThresholdBytes: 200,
    autoCompaction: false,
    manifestBytesMax: 1500,
    ...(plantedBug === undefined ? {} : { plantedBug }),
  }
}

interface CrashState {
  readonly fs: MemFileSystem
  readonly acked: number
  readonly issued: number
  readonly after: string
}

/** Runs the scenario, returning the crash state after every non-append operation. */
async function scenario(seed: number, bug: LsmPlantedBug | undefined): Promise<CrashState[]> {
  const prng = new SeededPrng(seed)
  const states: CrashState[] = []
  let acked = 0
  let issued = 0
  const fs: MemFileSystem = new MemFileSystem({
    slowDirSync: true,
    onOperation: (event) => {
      if (event.op === 'append') return
      const after = `${event.op} ${event.path}`
      states.push({ fs: fs.crashClone(prng.fork(), 'system'), acked, issued, after })
    },
  })
  const encoder = new TextEncoder()
  for (let life = 0; life < LIVES; life++) {
    const db = await Db.open(options(fs, bug))
    for (let n = 0; n < WRITES_PER_LIFE; n++) {
      const i = ++issued
      const op = workload.opAt(i)
      if (op.value === undefined) await db.delete(encoder.encode(op.key), { sync: true })
      else await db.put(encoder.encode(op.key), op.value, { sync: true })
      acked = i
      if (n % 5 === 4) await db.flush()
    }
    if (life === 1) await db.compactAll()
    await db.close()
  }
  return states
}

/** Why the crash state is wrong, or undefined when it recovers to an allowed prefix. */
async function check(state: CrashState, bug: LsmPlantedBug | undefined) {
  let db: Db
  try {
    db = await Db.open(options(state.fs, bug))
  } catch (error) {
    return `open failed: ${String(error)}`
  }
  try {
    db.checkConsistency()
    if (workload.matchesSomePrefix(heldState(db), state.acked, state.issued)) return undefined
    return `no prefix in [${state.acked}, ${state.issued}]`
  } finally {
    await db.close()
  }
}

/** Every failing crash state of a seed, as "point: why", and the number of states. */
async function failures(seed: number, bug: LsmPlantedBug | undefined) {
  const states = await scenario(seed, bug)
  const failed: string[] = []
  for (const [point, state] of states.entries()) {
    const why = await check(state, bug)
    if (why !== undefined) failed.push(`seed ${seed} point ${point} (after ${state.after}): ${why}`)
  }
  return { failed, points: states.length }
}

describe('lsm crash points', () => {
  it('lsm crash points: power loss after every fs operation: an acked prefix', async () => {
    for (const seed of [1, 2, 3]) expect((await failures(seed, undefined)).failed).toEqual([])
  }, 60_000)

  it('lsm crash points: planted no-dir-fsync-after-rename: caught within 8 seeds', async () => {
    const caught: number[] = []
    let [failedPoints, points] = [0, 0]
    for (let seed = 1; seed <= 8; seed++) {
      const result = await failures(seed, 'no-dir-fsync-after-rename')
      if (result.failed.length > 0) caught.push(seed)
      failedPoints += result.failed.length
      points += result.points
    }
    process.stdout.write(
      `no-dir-fsync-after-rename: caught by seeds ${caught.join(',')} of 8; ` +
        `${failedPoints} of ${points} crash states wrong\n`,
    )
    expect(caught.length).toBeGreaterThan(0)
  }, 60_000)
})
