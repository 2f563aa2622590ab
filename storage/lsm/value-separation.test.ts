// Write-time value separation on the in-memory file system: large values go to the memtable's
// value log when written (the WAL and the tables hold pointers), so flushes and compactions
// never rewrite them (measured with the db's byte counters); value-log garbage is measured per
// file in stats and reclaimed by GC; neither compaction nor GC drops a value that a live
// snapshot or an open iterator can still read; pointers in a replayed WAL survive a reopen.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import { Db } from './db.ts'
import type { DbOptions } from './options.ts'

const enc = (text: string): Uint8Array => new TextEncoder().encode(text)
const VALUE_BYTES = 8000

function big(i: number, round: number): Uint8Array {
  const value = new Uint8Array(VALUE_BYTES).fill((i * 7 + round) & 0xff)
  new DataView(value.buffer).setUint32(0, i * 1000 + round, true)
  return value
}

function tag(value: Uint8Array | undefined): number | undefined {
  return value === undefined
    ? undefined
    : new DataView(value.buffer, value.byteOffset).getUint32(0, true)
}

function options(fs: MemFileSystem, extra: Partial<DbOptions> = {}): DbOptions {
  return {
    fs,
    dir: '/db',
    memtableBytes: 16 * 1024,
    blockBytes: 1024,
    targetFileBytes: 16 * 1024,
    levelBaseBytes: 64 * 1024,
    valueLogThresholdBytes: 1024,
    valueLogGcRatio: 0.4,
    autoCompaction: false,
    ...extra,
  }
}

describe('lsm value separation', () => {
  it('value separation: large values: written once, never by flush or compaction', async () => {
    const db = await Db.open(options(new MemFileSystem()))
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 30; i++) await db.put(enc(`k${i}`), big(i, round))
      await db.flush()
    }
    await db.compactAll()
    const stats = db.stats()
    const userBytes = stats.userBytesWritten
    // Every value reached a value log once, at write time; the WAL held only pointers.
    expect(stats.vlogWriteBytes).toBeGreaterThanOrEqual(90 * VALUE_BYTES)
    expect(stats.vlogWriteBytes).toBeLessThan(90 * (VALUE_BYTES + 64))
    expect(stats.walBytes).toBeLessThan(userBytes / 20)
    expect(stats.compactionBytesWritten).toBeLessThan(userBytes / 20)
    for (let i = 0; i < 30; i++) expect(tag(db.getSync(enc(`k${i}`)))).toBe(i * 1000 + 2)
    expect(db.checkConsistency().pointers).toBe(30)
    await db.close()
  })

  it('value-log stats: overwritten values: garbage per file, reclaimed by GC', async () => {
    const db = await Db.open(options(new MemFileSystem(), { valueLogFileBytes: 64 * 1024 }))
    for (let i = 0; i < 20; i++) await db.put(enc(`k${i}`), big(i, 0))
    await db.flush()
    for (let i = 0; i < 15; i++) await db.put(enc(`k${i}`), big(i, 1))
    await db.flush()
    const before = db.stats()
    const files = before.vlogFileStats
    expect(files.length).toBeGreaterThanOrEqual(2)
    for (const file of files) expect(file.liveBytes + file.garbageBytes).toBe(file.sizeBytes)
    // The overwrites are still in tables until compaction drops them.
    expect(files.every((file) => file.garbageBytes === 0)).toBe(true)
    await db.compactAll()
    const after = db.stats()
    const firstFile = files[0]!.fileNo
    expect(after.vlogGcRuns).toBeGreaterThan(0)
    expect(after.vlogFileStats.map((f) => f.fileNo)).not.toContain(firstFile)
    const garbage = after.vlogFileStats.reduce((sum, f) => sum + f.garbageBytes, 0)
    expect(garbage).toBeLessThan(0.4 * after.vlogBytes)
    for (let i = 0; i < 20; i++)
      expect(tag(db.getSync(enc(`k${i}`)))).toBe(i * 1000 + (i < 15 ? 1 : 0))
    expect(db.checkConsistency().pointers).toBe(20)
    await db.close()
  })

  it('value separation: snapshot and iterator: compaction and GC keep what they read', async () => {
    const db = await Db.open(options(new MemFileSystem()))
    for (let i = 0; i < 20; i++) await db.put(enc(`k${i}`), big(i, 0))
    const snapshot = db.snapshot()
    const it = db.iterate()
    expect(tag(it.next().value?.value)).toBe(0)
    for (let round = 1; round < 4; round++) {
      for (let i = 0; i < 20; i++) await db.put(enc(`k${i}`), big(i, round))
      await db.compactAll()
    }
    expect(db.stats().vlogGcRuns).toBeGreaterThan(0)
    for (let i = 0; i < 20; i++) {
      expect(tag(db.getSync(enc(`k${i}`), { snapshot }))).toBe(i * 1000)
      expect(tag(db.getSync(enc(`k${i}`)))).toBe(i * 1000 + 3)
    }
    let seen = 1
    for (const item of it) {
      expect(tag(item.value)! % 1000).toBe(0)
      seen++
    }
    expect(seen).toBe(20)
    snapshot.release()
    await db.compactAll()
    expect(db.checkConsistency().pointers).toBe(20)
    await db.close()
  })

  it('value separation: unflushed pointers in the WAL: survive a crash and reopen', async () => {
    const fs = new MemFileSystem()
    const db = await Db.open(options(fs, { memtableBytes: 1 << 20 }))
    for (let i = 0; i < 10; i++) await db.put(enc(`k${i}`), big(i, 0), { sync: true })
    const crashed = fs.crashClone(new SeededPrng(1), 'system')
    await db.close()
    const reopened = await Db.open(options(crashed))
    for (let i = 0; i < 10; i++) expect(tag(reopened.getSync(enc(`k${i}`)))).toBe(i * 1000)
    expect(reopened.checkConsistency().pointers).toBe(10)
    await reopened.close()
  })
})
