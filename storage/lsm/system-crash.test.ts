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

const WINDOW = 8
const KEYS = 60

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

function opAt(i: number): { key: string; value: Uint8Array | undefined } {
  const prng = new SeededPrng(i * 7919 + 3)
  const key = `k${prng.intInclusive(0, KEYS - 1)}`
  if (prng.chance(0.1)) return { key, value: undefined }
  const value = new Uint8Array(prng.chance(0.2) ? 700 : 30).fill(i & 0xff)
  new DataView(value.buffer).setUint32(0, i, true)
  return { key, value }
}

function stateAfter(k: number): Map<string, number> {
  const state = new Map<string, number>()
  for (let i = 1; i <= k; i++) {
    const op = opAt(i)
    if (op.value === undefined) state.delete(op.key)
    else state.set(op.key, i)
  }
  return state
}

async function recovered(fs: MemFileSystem): Promise<Map<string, number>> {
  const db = await Db.open(options(fs, false))
  try {
    db.checkConsistency()
    const out = new Map<string, number>()
    for (const item of db.iterate()) {
      out.set(
        new TextDecoder().decode(item.key),
        new DataView(item.value.buffer, item.value.byteOffset).getUint32(0, true),
      )
    }
    return out
  } finally {
    await db.close()
  }
}

function matchesSomePrefix(found: Map<string, number>, low: number, high: number): boolean {
  for (let k = low; k <= high; k++) {
    const want = stateAfter(k)
    if (want.size === found.size && [...want].every(([key, i]) => found.get(key) === i)) return true
  }
  return false
}

async function run(seed: number, crashes: number): Promise<void> {
  const fs = new MemFileSystem()
  const prng = new SeededPrng(seed)
  const db = await Db.open(options(fs))
  let issued = 0
  let lastAck = 0
  const encoder = new TextEncoder()
  const lane = async (stop: () => boolean): Promise<void> => {
    while (!stop()) {
      const i = ++issued
      const op = opAt(i)
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
    expect(matchesSomePrefix(found, acked, issued), `seed ${seed} crash ${crash}`).toBe(true)
  }
  await db.close()
}

describe('lsm system crash', () => {
  it('lsm system crash: power loss at random moments: an acked prefix survives', async () => {
    await run(1, 25)
    await run(2, 25)
  }, 60_000)
})
