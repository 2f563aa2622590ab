// System-crash test on the crashable in-memory file system: a workload of durable writes runs
// with tiny sizes (flush, compaction and value-log GC constantly in flight) and at seeded random
// moments the file system is cloned as a power loss would leave it (unsynced bytes dropped or
// torn, unsynced directory entries rolled back). The db opened on each clone must hold exactly
// apply(ops[1..k]) for some k between the last acknowledged write and the last issued one, and
// pass its own consistency check. A SIGKILL (test/lsm-crash) never loses the page cache, so
// only this test catches a missing fsync or directory fsync.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import type { FileSystem } from '../vfs/vfs.ts'
import { Db } from './db.ts'
import type { DbOptions } from './options.ts'
import { CrashWorkload, heldState } from './crash-workload.test-helper.ts'

const WINDOW = 8
const workload = new CrashWorkload({
  seedFactor: 7919,
  seedOffset: 3,
  keys: 60,
  deleteChance: 0.1,
  bigChance: 0.2,
  bigBytes: 700,
  smallBytes: 30,
})

function options(fs: FileSystem, autoCompaction = true): DbOptions {
  return {
    fs,
    dir: '/db',
    memtableBytes: 3 * 1024,
    blockBytes: 512,
    targetFileBytes: 8 * 1024,
    levelBaseBytes: 24 * 1024,
    l0CompactionTrigger: 2,
    valueLogThresholdBytes: 512,
    valueLogFileBytes: 6 * 1024,
    valueLogGcRatio: 0.3,
    autoCompaction,
  }
}

async function recovered(fs: MemFileSystem): Promise<Map<string, number>> {
  const db = await Db.open(options(fs, false))
  try {
    db.checkConsistency()
    return heldState(db)
  } finally {
    await db.close()
  }
}

async function run(seed: number, crashes: number): Promise<void> {
  const fs = new MemFileSystem({ slowDirSync: true })
  const prng = new SeededPrng(seed)
  const db = await Db.open(options(fs))
  let issued = 0
  let lastAck = 0
  const encoder = new TextEncoder()
  const lane = async (stop: () => boolean): Promise<void> => {
    while (!stop()) {
      const i = ++issued
      const op = workload.opAt(i)
      if (op.value === undefined) await db.delete(encoder.encode(op.key), { sync: true })
      else await db.put(encoder.encode(op.key), op.value, { sync: true })
      lastAck = Math.max(lastAck, i)
    }
  }
  for (let crash = 0; crash < crashes; crash++) {
    const until = issued + prng.intInclusive(10, 60)
    await Promise.all(Array.from({ length: WINDOW }, () => lane(() => issued >= until)))
    // Let background work get part-way (flush, compaction or GC between two awaits).
    for (let spin = prng.intInclusive(0, 20); spin > 0; spin--) await new Promise(setImmediate)
    const acked = lastAck
    const clone = fs.crashClone(prng.fork(), 'system')
    const found = await recovered(clone)
    expect(workload.matchesSomePrefix(found, acked, issued), `seed ${seed} crash ${crash}`).toBe(
      true,
    )
  }
  await db.close()
}

describe('lsm system crash', () => {
  it('lsm system crash: power loss at random moments: an acked prefix survives', async () => {
    await run(1, 25)
    await run(2, 25)
  }, 60_000)
})
