// Flushes and merges on worker threads (background-worker.ts) against the same work on the
// db's thread: identical contents after a random versioned workload, a corrupt input named in
// the error, output file numbers past the reservation, and when workers are chosen.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isShoalError } from '../../../shared/errors.ts'
import { SeededPrng } from '../../../shared/random/prng.ts'
import type { Clock } from '../../../shared/time/clock.ts'
import { ManualClock } from '../../../test/harness/manual-clock.ts'
import { tempDir } from '../../../test/harness/processes.ts'
import { MemFileSystem } from '../../vfs/mem-fs.ts'
import { NodeFileSystem } from '../../vfs/node-fs.ts'
import { Db } from '../db.ts'
import { resolveOptions, type DbOptions } from '../options.ts'
import { WriteBatch } from '../write-batch.ts'
import { BackgroundWorker } from './background-worker.ts'
import { moduleUrl, retentionFromData } from './first-byte-retention.test-helper.ts'

const roots: string[] = []
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })))
function freshDir(): string {
  roots.push(tempDir('lsm-bg'))
  return roots.at(-1)!
}
const enc = (text: string): Uint8Array => new TextEncoder().encode(text)
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

const data = { scale: 1 }
function options(dir: string, workers: boolean, clock: Clock): DbOptions {
  return {
    fs: new NodeFileSystem(),
    dir,
    clock,
    memtableBytes: 16 * 1024,
    blockBytes: 1024,
    targetFileBytes: 32 * 1024,
    levelBaseBytes: 128 * 1024,
    retention: retentionFromData(data),
    portableRetention: { moduleUrl, data: () => data },
    backgroundWorkers: workers,
  }
}

/** Every entry a reader can see, as text: all versions with markers, per key, then a snapshot. */
function contents(db: Db, keys: readonly string[], nowMs: number): string[] {
  return keys.map((key) => {
    const items = db.versions(enc(key), { deleteMarker: true, limit: 100, nowMs })
    return `${key}: ${items.map((i) => `${i.version}${i.deleted ? 'x' : hex(i.value)}`).join(',')}`
  })
}

describe('background workers', () => {
  it('random versioned writes: worker and inline merges leave identical contents', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `${'abtz'[i % 4]}${i}`)
    const results: string[][] = []
    for (const workers of [true, false]) {
      const clock = new ManualClock()
      const db = await Db.open(options(freshDir(), workers, clock))
      const prng = new SeededPrng(42)
      let held: ReturnType<Db['snapshot']> | undefined
      for (let round = 0; round < 40; round++) {
        const batch = new WriteBatch()
        for (let i = 0; i < 50; i++) {
          const key = enc(keys[prng.intInclusive(0, keys.length - 1)]!)
          const stamp = { timestamp: clock.wallMs(), version: round * 100 + i }
          if (prng.intInclusive(0, 9) === 0) batch.delete(key, stamp)
          else batch.put(key, new Uint8Array(prng.intInclusive(8, 200)).fill(round), stamp)
        }
        await db.write(batch)
        clock.advance(60)
        if (round === 10) held = db.snapshot()
      }
      await db.waitIdle()
      expect(db.stats().compactions).toBeGreaterThan(0)
      const beforeFull = contents(db, keys, clock.wallMs())
      await db.compactAll()
      expect(contents(db, keys, clock.wallMs())).toEqual(beforeFull)
      const at = held === undefined ? {} : { snapshot: held }
      const snapshotView = keys.map((k) => hex(db.getSync(enc(k), at) ?? enc('-')))
      held?.release()
      await db.compactAll()
      results.push([...contents(db, keys, clock.wallMs()), ...snapshotView])
      await db.close()
    }
    expect(results[0]).toEqual(results[1])
  })

  it('corrupt input table: the merge fails naming the file, and the db stops', async () => {
    const dir = freshDir()
    const db = await Db.open({ ...options(dir, true, new ManualClock()), autoCompaction: false })
    for (let i = 0; i < 2000; i++) await db.put(enc(`k${i}`), new Uint8Array(40).fill(i))
    await db.flush()
    const table = readdirSync(dir).filter((name) => name.endsWith('.sst'))[0]!
    const bytes = readFileSync(join(dir, table))
    bytes[100] = bytes[100]! ^ 0xff // inside the first data block
    writeFileSync(join(dir, table), bytes)
    const error = await db.compactAll().catch((e: unknown) => e)
    expect(isShoalError(error, 'corruption')).toBe(true)
    expect(String((error as Error).message)).toContain(table)
    await db.close()
  })

  it('outputs past the reserved file numbers: the worker asks the db thread for more', async () => {
    const dir = freshDir()
    const one = { autoCompaction: false, memtableBytes: 1 << 20 }
    const db = await Db.open({ ...options(dir, false, new ManualClock()), ...one })
    for (let i = 0; i < 3000; i++) await db.put(enc(`k${i}`), new Uint8Array(60).fill(i))
    await db.flush()
    await db.close()
    const tables = readdirSync(dir).filter((name) => name.endsWith('.sst'))
    expect(tables).toHaveLength(1)
    const table = tables[0]!
    const fileNo = Number.parseInt(table, 10)
    let next = 1000
    const issued: number[] = []
    const worker = new BackgroundWorker(
      {
        dir,
        blockBytes: 1024,
        bloomBitsPerKey: 10,
        targetFileBytes: 8 * 1024,
        portableRetention: undefined,
        backgroundNice: 0,
        newFileNo: () => {
          issued.push(next)
          return next++
        },
        cacheRoomBytes: () => 0,
        offer: () => undefined,
      },
      'test-merge',
    )
    // The input's size is understated: the worker reserves 3 numbers and needs many more.
    const meta = { fileNo, sizeBytes: 1, smallest: enc('k'), largest: enc('l') }
    const file = { ...meta, minSeq: 1, maxSeq: 3000, maxTimestamp: 0, maxVersion: 0 }
    const input = { level: 0, file: { ...file, entries: 3000, vlogRefs: [] } }
    const result = await worker.merge({
      inputs: [input],
      outputLevel: 1,
      split: true,
      older: [],
      snapshots: [],
      nowMs: 0,
      offerBlocks: false,
    })
    await worker.close()
    const outputs = result.files.map((f) => f.fileNo)
    expect(outputs.length).toBeGreaterThan(10)
    expect(new Set(outputs).size).toBe(outputs.length)
    expect(outputs.every((n) => issued.includes(n))).toBe(true)
    expect(result.files.reduce((sum, f) => sum + f.entries, 0)).toBe(3000)
  })

  it.runIf(process.platform === 'linux')(
    'backgroundNice: the flush worker runs at it, the db thread keeps its own', async () => {
    // /proc/self/task/<tid>/stat: field 19 is the thread's nice value.
    const threadsAt = (nice: number): number => readdirSync('/proc/self/task').filter((tid) =>
      readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16] ===
        String(nice)).length
    const before = threadsAt(7)
    const mine = getPriority(0)
    const db = await Db.open({ ...options(freshDir(), true, new ManualClock()), backgroundNice: 7 })
    await db.put(enc('a1'), enc('v'))
    await db.flush()
    expect(threadsAt(7)).toBe(before + 1)
    expect(getPriority(0)).toBe(mine)
    await db.close()
    for (const bad of [-1, 20, 1.5]) {
      expect(() => resolveOptions({ ...options(freshDir(), true, new ManualClock()),
        backgroundNice: bad })).toThrow(/backgroundNice must be an integer 0-19/)
    }
  })

  it('backgroundReady: starts both workers; a job after close is refused', async () => {
    const dir = freshDir()
    const db = await Db.open(options(dir, true, new ManualClock()))
    await db.backgroundReady()
    await db.put(enc('a1'), enc('v'))
    await db.flush()
    expect(db.stats().flushes).toBe(1)
    await db.close()
    const worker = new BackgroundWorker(
      {
        ...options(dir, true, new ManualClock()),
        blockBytes: 1024,
        bloomBitsPerKey: 10,
        targetFileBytes: 1024,
        portableRetention: undefined,
        backgroundNice: 0,
        newFileNo: () => 1,
        cacheRoomBytes: () => 0,
        offer: () => undefined,
      },
      'test-closed',
    )
    await worker.ready()
    await worker.close()
    await expect(worker.ready()).rejects.toThrow(/closed/)
  })

  it('chosen only where they can run: the node file system and a portable retention', () => {
    const base = { dir: '/db' }
    const mem = new MemFileSystem()
    const disk = new NodeFileSystem()
    expect(resolveOptions({ ...base, fs: disk }).backgroundWorkers).toBe(true)
    expect(resolveOptions({ ...base, fs: mem }).backgroundWorkers).toBe(false)
    const custom = { retention: retentionFromData(data) }
    expect(resolveOptions({ ...base, fs: disk, ...custom }).backgroundWorkers).toBe(false)
    const portable = { ...custom, portableRetention: { moduleUrl, data: () => data } }
    expect(resolveOptions({ ...base, fs: disk, ...portable }).backgroundWorkers).toBe(true)
    const forced = { backgroundWorkers: true }
    expect(() => resolveOptions({ ...base, fs: mem, ...forced })).toThrow(/node file system/)
    expect(() => resolveOptions({ ...base, fs: disk, ...custom, ...forced })).toThrow(
      /portableRetention/,
    )
  })
})
