// Db behaviours one at a time on the real file system in temp dirs: group commit, WAL recovery
// (torn tail dropped, corruption named), WAL-off mode with metadata stored by flush, the
// versioned data model (timestamps, versions, maxVersions, TTLs, snapshots across compaction),
// value-log placement and GC, typed limits, iterators pinning files, and corruption of each
// file kind giving a clear error that names the file.
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { Clock } from '../../shared/time/clock.ts'
import { NodeFileSystem } from '../vfs/node-fs.ts'
import { Db } from './db.ts'
import type { DbOptions } from './options.ts'
import { WriteBatch } from './write-batch.ts'

const roots: string[] = []
afterAll(() => roots.forEach((dir) => rmSync(dir, { recursive: true, force: true })))
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lsm-db-'))
  roots.push(dir)
  return dir
}
const enc = (text: string): Uint8Array => new TextEncoder().encode(text)
const dec = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes)
const hex = (bytes: Uint8Array | undefined): string =>
  bytes === undefined ? 'undefined' : Buffer.from(bytes).toString('hex')
const filesOf = (dir: string, suffix: string): string[] =>
  readdirSync(dir).filter((name) => name.endsWith(suffix))

class ManualClock implements Clock {
  nowMs = 1_000_000
  monotonicMs(): number {
    return this.nowMs
  }
  wallMs(): number {
    return this.nowMs
  }
}

function small(dir: string, extra: Partial<DbOptions> = {}): DbOptions {
  return {
    fs: new NodeFileSystem(),
    dir,
    memtableBytes: 8 * 1024,
    blockBytes: 1024,
    targetFileBytes: 16 * 1024,
    levelBaseBytes: 64 * 1024,
    ...extra,
  }
}

async function expectCorruption(run: () => Promise<unknown>, file: string): Promise<void> {
  try {
    await run()
  } catch (error) {
    expect(isShoalError(error, 'corruption'), String(error)).toBe(true)
    expect(String(error)).toContain(file)
    return
  }
  throw new Error(`expected a corruption error naming ${file}`)
}

describe('lsm db', () => {
  it('group commit: 64 concurrent durable puts: share a handful of fsyncs', async () => {
    const db = await Db.open(small(freshDir()))
    await Promise.all(
      Array.from({ length: 64 }, (_, i) => db.put(enc(`k${i}`), enc('v'), { sync: true })),
    )
    expect(db.stats().walSyncs).toBeGreaterThan(0)
    expect(db.stats().walSyncs).toBeLessThan(16)
    await db.close()
  })

  it('wal recovery: a torn tail: is dropped and the prefix survives', async () => {
    const dir = freshDir()
    let db = await Db.open(small(dir, { memtableBytes: 1 << 20 }))
    for (let i = 0; i < 100; i++) await db.put(enc(`k${i}`), enc(`v${i}`), { sync: true })
    await db.close()
    const [wal] = filesOf(dir, '.log')
    const path = join(dir, wal!)
    truncateSync(path, readFileSync(path).length - 3)
    db = await Db.open(small(dir))
    expect(dec(db.getSync(enc('k98')))).toBe('v98')
    expect(db.getSync(enc('k99'))).toBeUndefined()
    await db.close()
  })

  it('wal recovery: a flipped bit before the tail: fails naming file and offset', async () => {
    const dir = freshDir()
    const db = await Db.open(small(dir, { memtableBytes: 1 << 20 }))
    for (let i = 0; i < 50; i++) await db.put(enc(`k${i}`), enc(`v${i}`), { sync: true })
    await db.close()
    const [wal] = filesOf(dir, '.log')
    const path = join(dir, wal!)
    const bytes = readFileSync(path)
    bytes[40]! ^= 0x10
    writeFileSync(path, bytes)
    await expectCorruption(() => Db.open(small(dir)), wal!)
    await expect(Db.open(small(dir))).rejects.toThrow(/at offset \d+/)
  })

  it('wal off: flush with metadata: both survive, unflushed writes do not', async () => {
    const dir = freshDir()
    let db = await Db.open(small(dir, { wal: false }))
    expect(db.metadata).toBeUndefined()
    await db.put(enc('a'), enc('1'))
    await db.flush({ metadata: enc('applied=1') })
    await db.put(enc('b'), enc('2'))
    await db.close()
    expect(filesOf(dir, '.log')).toEqual([])
    db = await Db.open(small(dir, { wal: false }))
    expect(dec(db.metadata)).toBe('applied=1')
    expect(dec(db.getSync(enc('a')))).toBe('1')
    expect(db.getSync(enc('b'))).toBeUndefined()
    await db.flush({ metadata: enc('applied=2') })
    await db.close()
    db = await Db.open(small(dir, { wal: false }))
    expect(dec(db.metadata)).toBe('applied=2')
    await db.close()
  })

  it('versions: older timestamps written later: never hide a newer one', async () => {
    const db = await Db.open(small(freshDir(), { retention: () => ({ maxVersions: 3 }) }))
    const key = enc('item')
    await db.put(key, enc('t20'), { timestamp: 20, version: 1 })
    await db.put(key, enc('t10'), { timestamp: 10, version: 2 })
    await db.put(key, enc('t20v3'), { timestamp: 20, version: 3 })
    expect(dec(db.getLatest(key)?.value)).toBe('t20v3')
    expect(db.versions(key).map((i) => dec(i.value))).toEqual(['t20v3', 't20', 't10'])
    await db.delete(key, { timestamp: 15, version: 4 })
    expect(dec(db.getLatest(key)?.value)).toBe('t20v3')
    expect(db.versions(key).map((i) => dec(i.value))).toEqual(['t20v3', 't20'])
    const withMarker = db.versions(key, { deleteMarker: true })
    expect(withMarker.map((i) => [i.version, i.deleted ?? false])).toEqual([
      [3, false],
      [1, false],
      [4, true],
    ])
    expect(withMarker[2]!.timestamp).toBe(15)
    await db.delete(key, { timestamp: 30, version: 5 })
    expect(db.getLatest(key)).toBeUndefined()
    await db.compactAll()
    expect(db.getLatest(key)).toBeUndefined()
    await db.close()
  })

  it('maxVersions: compaction: drops old versions, keeps what a snapshot reads', async () => {
    const db = await Db.open(small(freshDir(), { retention: () => ({ maxVersions: 2 }) }))
    const key = enc('k')
    for (let v = 1; v <= 3; v++) await db.put(key, enc(`v${v}`), { timestamp: v, version: v })
    const snap = db.snapshot()
    for (let v = 4; v <= 6; v++) await db.put(key, enc(`v${v}`), { timestamp: v, version: v })
    await db.compactAll()
    expect(db.versions(key).map((i) => dec(i.value))).toEqual(['v6', 'v5'])
    expect(db.versions(key, { snapshot: snap }).map((i) => dec(i.value))).toEqual(['v3', 'v2'])
    snap.release()
    await db.compactAll()
    expect(db.stats().bytesPerLevel.reduce((a, b) => a + b)).toBeGreaterThan(0)
    expect(db.versions(key).map((i) => i.version)).toEqual([6, 5])
    await db.close()
  })

  it('ttl: per-item and per-table: hidden at read time and dropped by compaction', async () => {
    const clock = new ManualClock()
    const db = await Db.open(
      small(freshDir(), {
        clock,
        retention: (key) =>
          key[0] === 0x74 ? { maxVersions: 1, ttlMs: 1000 } : { maxVersions: 1 },
      }),
    )
    await db.put(enc('item'), enc('short'), { ttlMs: 100 })
    await db.put(enc('table'), enc('old'), { timestamp: clock.nowMs, version: 1 })
    await db.put(enc('keep'), enc('forever'))
    expect(dec(db.getSync(enc('item')))).toBe('short')
    clock.nowMs += 150
    expect(db.getSync(enc('item'))).toBeUndefined()
    expect(dec(db.getSync(enc('table')))).toBe('old')
    clock.nowMs += 1000
    expect(db.getSync(enc('table'))).toBeUndefined()
    expect(dec(db.getSync(enc('table'), { nowMs: clock.nowMs - 1000 }))).toBe('old')
    await db.compactAll()
    expect(db.stats().filesPerLevel.reduce((a, b) => a + b)).toBe(1)
    expect(db.scan({ nowMs: 0 }).map((i) => dec(i.key))).toEqual(['keep'])
    await db.close()
  })

  it('value log: large values: live outside the tables and survive GC of their file', async () => {
    const dir = freshDir()
    const db = await Db.open(small(dir, { valueLogGcRatio: 0.4, memtableBytes: 1 << 20 }))
    const big = (i: number, round: number): Uint8Array =>
      new Uint8Array(5000).fill((i + round) & 0xff)
    for (let i = 0; i < 40; i++) await db.put(enc(`big${i}`), big(i, 0))
    await db.flush()
    const [firstVlog] = filesOf(dir, '.vlog')
    for (let round = 1; round < 4; round++) {
      for (let i = 0; i < 20; i++) await db.put(enc(`big${i}`), big(i, round))
      await db.flush()
    }
    await db.compactAll()
    await db.waitIdle()
    const stats = db.stats()
    expect(stats.vlogFiles).toBeGreaterThan(0)
    expect(stats.vlogGcRuns).toBeGreaterThan(0)
    expect(filesOf(dir, '.vlog')).not.toContain(firstVlog)
    for (let i = 0; i < 40; i++) {
      expect(hex(db.getSync(enc(`big${i}`)))).toBe(hex(big(i, i < 20 ? 3 : 0)))
    }
    expect(db.checkConsistency().pointers).toBe(40)
    expect(stats.vlogLiveBytes / stats.vlogBytes).toBeGreaterThan(0.6)
    await db.close()
  })

  it('limits: a key over 4 KiB: too-large; 4 KiB and empty keys work', async () => {
    const db = await Db.open(small(freshDir()))
    await expect(db.put(new Uint8Array(limits.keyBytesMax + 1), enc('x'))).rejects.toMatchObject({
      code: 'too-large',
    })
    const max = new Uint8Array(limits.keyBytesMax).fill(0x61)
    await db.put(max, enc('max'))
    await db.put(new Uint8Array(0), enc('empty'))
    await db.flush()
    expect(dec(db.getSync(max))).toBe('max')
    expect(dec(db.getSync(new Uint8Array(0)))).toBe('empty')
    await db.close()
  })

  it('reads: returned values and keys mutated: later reads see the stored bytes', async () => {
    const db = await Db.open(small(freshDir()))
    await db.put(enc('table'), enc('flushed'))
    await db.flush()
    await db.put(enc('mem'), enc('in-memtable'))
    for (const key of ['table', 'mem']) {
      db.getSync(enc(key))!.fill(0x21)
      db.getLatest(enc(key))!.value.fill(0x21)
      for (const item of db.iterate()) {
        item.value.fill(0x21)
        item.key.fill(0x21)
      }
    }
    expect(dec(db.getSync(enc('table')))).toBe('flushed')
    expect(dec(db.getSync(enc('mem')))).toBe('in-memtable')
    expect(db.scan().map((item) => dec(item.key))).toEqual(['mem', 'table'])
    await db.close()
  })

  it('block cache: written tables: gets read no block until a reopen or a full cache', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `k${String(i).padStart(5, '0')}`)
    // With `readAlong`, a get after every batch: merges then pass their tables to the cache.
    const fill = async (db: Db, readAlong: boolean): Promise<void> => {
      for (let i = 0; i < keys.length; i += 100) {
        const batch = new WriteBatch()
        for (const key of keys.slice(i, i + 100)) batch.put(enc(key), enc(`v-${key}`))
        await db.write(batch)
        if (readAlong) db.getSync(enc(keys[0]!))
      }
      await db.flush()
      await db.waitIdle()
    }
    const readAll = (db: Db): void => {
      for (const key of keys) expect(dec(db.getSync(enc(key)))).toBe(`v-${key}`)
    }
    const dir = freshDir()
    let db = await Db.open(small(dir))
    await fill(db, true)
    expect(db.stats().compactions).toBeGreaterThan(0)
    const before = db.counters.getBlocksRead
    readAll(db)
    expect(db.counters.getBlocksRead - before).toBe(0)
    await db.close()
    db = await Db.open(small(dir))
    readAll(db)
    expect(db.counters.getBlocksRead).toBeGreaterThan(0)
    await db.close()
    // Written only (a bulk load): merged tables are not decoded into the cache ahead of reads.
    db = await Db.open(small(freshDir()))
    await fill(db, false)
    expect(db.stats().compactions).toBeGreaterThan(0)
    readAll(db)
    expect(db.counters.getBlocksRead).toBeGreaterThan(0)
    await db.close()
    db = await Db.open(small(freshDir(), { blockCacheBytes: 16 * 1024 }))
    await fill(db, true)
    readAll(db)
    expect(db.counters.getBlocksRead).toBeGreaterThan(keys.length / 100)
    await db.close()
  })

  it('iterator: a compaction while iterating: the pinned files stay readable', async () => {
    const db = await Db.open(small(freshDir(), { autoCompaction: false }))
    for (let i = 0; i < 2000; i++) await db.put(enc(`k${String(i).padStart(5, '0')}`), enc(`v${i}`))
    await db.flush()
    const it = db.iterate()
    const first = it.next()
    expect(first.done).toBe(false)
    await db.compactAll()
    let count = 1
    for (const item of it) {
      expect(dec(item.value)).toBe(`v${Number(dec(item.key)!.slice(1))}`)
      count++
    }
    expect(count).toBe(2000)
    await db.close()
  })

  it('corruption: a bit flip in table, manifest, value log: error names the file', async () => {
    const dir = freshDir()
    let db = await Db.open(small(dir))
    for (let i = 0; i < 300; i++)
      await db.put(enc(`k${i}`), new Uint8Array(i % 10 === 0 ? 5000 : 50).fill(i & 0xff))
    await db.flush()
    await db.close()
    const flip = (name: string, at: (size: number) => number): void => {
      const bytes = readFileSync(join(dir, name))
      bytes[at(bytes.length)]! ^= 0x04
      writeFileSync(join(dir, name), bytes)
    }
    const readAll = async (): Promise<void> => {
      const opened = await Db.open(small(dir))
      try {
        opened.checkConsistency()
        for (let i = 0; i < 300; i++) opened.getSync(enc(`k${i}`))
      } finally {
        await opened.close()
      }
    }
    const [vlog] = filesOf(dir, '.vlog')
    flip(vlog!, (size) => size - 100)
    await expectCorruption(readAll, vlog!)
    flip(vlog!, (size) => size - 100)
    const [table] = filesOf(dir, '.sst')
    flip(table!, () => 10)
    await expectCorruption(readAll, table!)
    flip(table!, () => 10)
    const manifest = readdirSync(dir).find((n) => n.startsWith('MANIFEST-'))!
    flip(manifest, () => 20)
    await expectCorruption(() => Db.open(small(dir)), manifest)
    flip(manifest, () => 20)
    writeFileSync(join(dir, 'CURRENT'), 'MANIFEST-99x\n')
    await expectCorruption(() => Db.open(small(dir)), 'CURRENT')
    writeFileSync(join(dir, 'CURRENT'), `${manifest}\n`)
    db = await Db.open(small(dir))
    expect(hex(db.getSync(enc('k10')))).toBe(hex(new Uint8Array(5000).fill(10)))
    await db.close()
  })

  it('corruption: truncated manifest or vlog, missing table: error names the file', async () => {
    const dir = freshDir()
    const db = await Db.open(small(dir))
    for (let i = 0; i < 100; i++)
      await db.put(enc(`k${i}`), new Uint8Array(i % 5 === 0 ? 6000 : 40))
    await db.flush()
    await db.close()
    const [vlog] = filesOf(dir, '.vlog')
    const vlogBytes = readFileSync(join(dir, vlog!))
    truncateSync(join(dir, vlog!), vlogBytes.length - 10)
    await expectCorruption(async () => {
      const opened = await Db.open(small(dir))
      try {
        for (let i = 0; i < 100; i += 5) opened.getSync(enc(`k${i}`))
      } finally {
        await opened.close()
      }
    }, vlog!)
    writeFileSync(join(dir, vlog!), vlogBytes)
    const [table] = filesOf(dir, '.sst')
    const tableBytes = readFileSync(join(dir, table!))
    rmSync(join(dir, table!))
    await expectCorruption(() => Db.open(small(dir)), table!)
    writeFileSync(join(dir, table!), tableBytes)
    const manifest = readdirSync(dir).find((n) => n.startsWith('MANIFEST-'))!
    truncateSync(join(dir, manifest), 0)
    await expectCorruption(() => Db.open(small(dir)), manifest)
  })

  it('recovery: files no version names: are removed on open', async () => {
    const dir = freshDir()
    let db = await Db.open(small(dir))
    await db.put(enc('a'), enc('1'))
    await db.flush()
    await db.close()
    writeFileSync(join(dir, '999990.sst'), 'orphan')
    writeFileSync(join(dir, '999991.vlog'), 'orphan')
    writeFileSync(join(dir, 'CURRENT.tmp'), 'partial')
    db = await Db.open(small(dir))
    const strays = ['999990.sst', '999991.vlog', 'CURRENT.tmp']
    expect(readdirSync(dir).filter((n) => strays.includes(n))).toEqual([])
    expect(dec(db.getSync(enc('a')))).toBe('1')
    await db.close()
  })
})
