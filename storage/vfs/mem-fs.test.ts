// MemFileSystem crash model: proves rules D1-D2 of TESTING.md part (a) by writing files with
// and without sync/fsyncDir and checking what crashClone keeps, over many seeds.
import { describe, expect, it } from 'vitest'
import { fromUtf8, utf8 } from '../../shared/codecs/bytes.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { MemFileSystem } from './mem-fs.ts'

async function fileWith(fs: MemFileSystem, path: string, synced: number, unsynced: number) {
  const file = await fs.create(path)
  file.append(new Uint8Array(synced).fill(1))
  await file.sync()
  file.append(new Uint8Array(unsynced).fill(2))
  return file
}

describe('mem-fs crash model', () => {
  it('mem-fs: process crash: keeps unsynced bytes and unsynced directory entries', async () => {
    const fs = new MemFileSystem()
    await fs.mkdirp('/d')
    await fileWith(fs, '/d/a', 10, 20)
    const crashed = fs.crashClone(new SeededPrng(1), 'process')
    expect(await crashed.sizeOf('/d/a')).toBe(30)
    expect(crashed.syncedBytesOf('/d/a')).toBe(10)
    // The create is still pending after the process crash: a later power loss may undo it.
    const outcomes = new Set<boolean>()
    for (let seed = 0; seed < 30; seed++) {
      outcomes.add(await crashed.crashClone(new SeededPrng(seed), 'system').exists('/d/a'))
    }
    expect([...outcomes].sort()).toEqual([false, true])
  })

  it('mem-fs: system crash: synced bytes always survive, the tail is cut on a sector', async () => {
    const sizes = new Set<number>()
    for (let seed = 0; seed < 200; seed++) {
      const fs = new MemFileSystem()
      await fs.mkdirp('/d')
      await fileWith(fs, '/d/a', 1000, 9000)
      await fs.fsyncDir('/d')
      const crashed = fs.crashClone(new SeededPrng(seed), 'system')
      const size = await crashed.sizeOf('/d/a')
      sizes.add(size)
      expect(size).toBeGreaterThanOrEqual(1000)
      expect(size).toBeLessThanOrEqual(10000)
      if (size !== 1000 && size !== 10000) expect(size % 512).toBe(0)
      const bytes = await crashed.readFile('/d/a')
      expect(bytes.subarray(0, 1000).every((b) => b === 1)).toBe(true)
      expect(bytes.subarray(1000).every((b) => b === 2)).toBe(true)
    }
    expect(sizes.has(1000)).toBe(true) // dropped
    expect(sizes.has(10000)).toBe(true) // kept whole
    expect([...sizes].some((s) => s !== 1000 && s !== 10000)).toBe(true) // cut
  })

  it('mem-fs: system crash: a create without fsyncDir may vanish, with it survives', async () => {
    const outcomes = new Set<boolean>()
    for (let seed = 0; seed < 50; seed++) {
      const fs = new MemFileSystem()
      await fs.mkdirp('/d')
      await fileWith(fs, '/d/durable', 5, 0)
      await fs.fsyncDir('/d')
      await fileWith(fs, '/d/maybe', 5, 0)
      const crashed = fs.crashClone(new SeededPrng(seed), 'system')
      expect(await crashed.exists('/d/durable')).toBe(true)
      outcomes.add(await crashed.exists('/d/maybe'))
    }
    expect([...outcomes].sort()).toEqual([false, true])
  })

  it('mem-fs: system crash: an unsynced rename rolls back whole or not at all', async () => {
    const outcomes = new Set<string>()
    for (let seed = 0; seed < 50; seed++) {
      const fs = new MemFileSystem()
      await fs.mkdirp('/d')
      ;(await fileWith(fs, '/d/CURRENT', 0, 0)).append(utf8('old'))
      await (await fs.openAppend('/d/CURRENT')).sync()
      const temp = await fs.create('/d/CURRENT.tmp')
      temp.append(utf8('new'))
      await temp.sync()
      await fs.fsyncDir('/d')
      await fs.rename('/d/CURRENT.tmp', '/d/CURRENT')
      const crashed = fs.crashClone(new SeededPrng(seed), 'system')
      const names = (await crashed.list('/d')).join(',')
      outcomes.add(`${names}=${fromUtf8(await crashed.readFile('/d/CURRENT'))}`)
    }
    expect([...outcomes].sort()).toEqual(['CURRENT,CURRENT.tmp=old', 'CURRENT=new'])
  })

  it('mem-fs: system crash: a remove without fsyncDir may be undone', async () => {
    const outcomes = new Set<boolean>()
    for (let seed = 0; seed < 50; seed++) {
      const fs = new MemFileSystem()
      await fs.mkdirp('/d')
      await fileWith(fs, '/d/x', 3, 0)
      await fs.fsyncDir('/d')
      await fs.remove('/d/x')
      outcomes.add(await fs.crashClone(new SeededPrng(seed), 'system').exists('/d/x'))
    }
    expect([...outcomes].sort()).toEqual([false, true])
  })

  it('mem-fs: crashClone: same seed gives the same state', async () => {
    const fs = new MemFileSystem()
    await fs.mkdirp('/d')
    for (let i = 0; i < 5; i++) await fileWith(fs, `/d/f${i}`, 100 * i, 7000)
    const describe = async (m: MemFileSystem) =>
      Promise.all((await m.list('/d')).map(async (n) => `${n}:${await m.sizeOf(`/d/${n}`)}`))
    const a = await describe(fs.crashClone(new SeededPrng(42), 'system'))
    const b = await describe(fs.crashClone(new SeededPrng(42), 'system'))
    expect(a).toEqual(b)
  })

  it('mem-fs: trace: records calls in order with offsets and bytes', async () => {
    const fs = new MemFileSystem({ trace: true })
    await fs.mkdirp('/d')
    const file = await fs.create('/d/a')
    file.append(utf8('ab'))
    file.append(utf8('c'))
    await file.sync()
    await fs.fsyncDir('/d')
    await fs.rename('/d/a', '/d/b')
    expect(fs.trace.map((e) => e.op)).toEqual([
      'mkdirp',
      'create',
      'append',
      'append',
      'sync',
      'fsyncDir',
      'rename',
    ])
    const second = fs.trace[3]
    expect(second?.op === 'append' && second.offset === 2 && fromUtf8(second.bytes)).toBe('c')
  })
})
