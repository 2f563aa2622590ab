// WAL corruption after a crash: a db takes durable writes on the crashable in-memory file
// system, the process "crashes" (crashClone 'process': the page cache survives), and one seeded
// random bit of the WAL is flipped somewhere before its last record (bit rot, a misdirected
// write). Recovery must refuse to open with a corruption error naming the WAL and an offset,
// never drop the record and carry on with silently wrong data; a flip inside the last record is
// a torn tail and may be dropped. Run over many seeds, it also measures how often it catches
// the planted bug 'wal-skip-mid-log-corruption'.
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import type { FileSystem } from '../vfs/vfs.ts'
import { Db } from './db.ts'
import type { DbOptions, LsmPlantedBug } from './options.ts'
import { readRecords } from './wal/record.ts'

const SEEDS = 40

function options(fs: FileSystem, plantedBug: LsmPlantedBug | undefined): DbOptions {
  return {
    fs,
    dir: '/db',
    memtableBytes: 256 * 1024,
    autoCompaction: false,
    ...(plantedBug === undefined ? {} : { plantedBug }),
  }
}

/** Writes a seeded workload, crashes, flips one bit before the WAL's last record. */
async function corruptedClone(seed: number): Promise<{ fs: MemFileSystem; wal: string }> {
  const prng = new SeededPrng(seed)
  const fs = new MemFileSystem()
  const db = await Db.open(options(fs, undefined))
  const writes = prng.intInclusive(5, 40)
  for (let i = 0; i < writes; i++) {
    const key = new TextEncoder().encode(`key-${prng.intInclusive(0, 20)}`)
    const value = new Uint8Array(prng.chance(0.2) ? 2000 : prng.intInclusive(1, 100)).fill(i)
    await db.put(key, value, { sync: true })
  }
  const clone = fs.crashClone(prng.fork(), 'process')
  await db.close()
  const wal = (await clone.list('/db')).find((name) => name.endsWith('.log'))
  expect(wal).toBeDefined()
  const path = `/db/${wal!}`
  const bytes = await clone.readFile(path)
  const records = readRecords(bytes, path).records
  expect(records.length).toBe(writes)
  const lastRecord = records.at(-1)!.offset
  const at = prng.intInclusive(0, lastRecord - 1)
  bytes[at]! ^= 1 << prng.intInclusive(0, 7)
  const file = await clone.create(path)
  file.append(bytes)
  await file.sync()
  file.close()
  return { fs: clone, wal: wal! }
}

/** True when opening fails loudly: a corruption error naming the WAL and an offset. */
async function failsLoudly(seed: number, bug: LsmPlantedBug | undefined): Promise<boolean> {
  const { fs, wal } = await corruptedClone(seed)
  try {
    const db = await Db.open(options(fs, bug))
    await db.close()
    return false
  } catch (error) {
    if (!isShoalError(error, 'corruption')) throw error
    return error.message.includes(wal) && /offset \d+/.test(error.message)
  }
}

describe('lsm wal corruption', () => {
  it('wal corruption: a bit flipped before the tail: fails naming file, offset', async () => {
    for (let seed = 1; seed <= SEEDS; seed++) expect(await failsLoudly(seed, undefined)).toBe(true)
  })

  it('wal corruption: planted wal-skip-mid-log-corruption: caught within 10 seeds', async () => {
    const bug = 'wal-skip-mid-log-corruption'
    const missed: number[] = []
    for (let seed = 1; seed <= SEEDS; seed++) if (await failsLoudly(seed, bug)) missed.push(seed)
    const caught = SEEDS - missed.length
    const first = Array.from({ length: SEEDS }, (_, i) => i + 1).find((s) => !missed.includes(s))
    process.stdout.write(`${bug}: caught by ${caught} of ${SEEDS} seeds (first: ${first})\n`)
    expect(first).toBeLessThanOrEqual(10)
  })
})
