// Corruption matrix for the raft log (TESTING.md part (d)): a log of several segments is
// damaged in seeded ways (bit flips, truncation, garbage, deleted or swapped files). Damage
// that can only be a torn write (at the end of the last segment) is cut and the log opens
// with its prefix; anything else fails to open with a corruption error naming file and offset.
import { describe, expect, it } from 'vitest'
import { utf8 } from '../../shared/codecs/bytes.ts'
import { isShoalError } from '../../shared/errors.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import { RaftLogEngine } from './log-engine.ts'
import { segmentFileName } from './segment.ts'

const dir = '/node/raftlog'
const path = (id: number) => `${dir}/${segmentFileName(id)}`

/** A log of 4+ segments with 3 shards, never collected (the first segment holds history). */
async function buildLog(): Promise<{ fs: MemFileSystem; segments: number[] }> {
  const fs = new MemFileSystem()
  const engine = await RaftLogEngine.open(fs, dir, {
    segmentBytesTarget: 2048,
    closedSegmentsMax: 1000,
  })
  for (let index = 1; index <= 40; index++) {
    await engine.append(
      [1, 2, 3].map((shardId) => ({
        shardId,
        entries: [{ index, term: 1, data: utf8(`shard ${shardId} entry ${index} `.repeat(3)) }],
      })),
    )
  }
  await engine.close() // waits for a rotation that may follow the last append
  // Ten more rounds without rotation, so the last segment holds records, not just a header.
  const tail = await RaftLogEngine.open(fs, dir, {
    segmentBytesTarget: 1 << 20,
    closedSegmentsMax: 1000,
  })
  for (let index = 41; index <= 50; index++) {
    await tail.append(
      [1, 2, 3].map((shardId) => ({
        shardId,
        entries: [{ index, term: 1, data: utf8(`shard ${shardId} entry ${index} `) }],
      })),
    )
  }
  await tail.close()
  const segments = tail.segmentIds()
  expect(segments.length).toBeGreaterThanOrEqual(4)
  return { fs, segments }
}

async function rewrite(fs: MemFileSystem, file: string, bytes: Uint8Array): Promise<void> {
  const out = await fs.create(file)
  out.append(bytes)
  await out.sync()
  out.close()
  await fs.fsyncDir(dir)
}

async function openError(fs: MemFileSystem): Promise<unknown> {
  return RaftLogEngine.open(fs, dir).then(
    () => undefined,
    (error: unknown) => error,
  )
}

function expectLoud(error: unknown, file: string): void {
  expect(isShoalError(error, 'corruption'), String(error)).toBe(true)
  expect(String(error)).toContain(file)
  expect(String(error)).toMatch(/offset \d+/)
}

describe('raftlog corruption matrix', () => {
  it('corruption: bit flip anywhere in a sealed segment: loud', async () => {
    const base = await buildLog()
    const prng = new SeededPrng(11)
    for (let i = 0; i < 10; i++) {
      const fs = base.fs.crashClone(prng, 'process')
      const id = base.segments[prng.intInclusive(0, base.segments.length - 2)]!
      const bytes = await fs.readFile(path(id))
      const bit = prng.intInclusive(0, bytes.length * 8 - 1)
      bytes[bit >> 3]! ^= 1 << (bit & 7)
      await rewrite(fs, path(id), bytes)
      expectLoud(await openError(fs), path(id))
    }
  })

  it('corruption: bit flip before the last record of the last segment: loud', async () => {
    const base = await buildLog()
    const prng = new SeededPrng(12)
    const last = base.segments[base.segments.length - 1]!
    for (let i = 0; i < 10; i++) {
      const fs = base.fs.crashClone(prng, 'process')
      const bytes = await fs.readFile(path(last))
      // The last record is 3 shards' records back; flip inside the first half of the file.
      const bit = prng.intInclusive(0, (bytes.length >> 1) * 8)
      bytes[bit >> 3]! ^= 1 << (bit & 7)
      await rewrite(fs, path(last), bytes)
      expectLoud(await openError(fs), path(last))
    }
  })

  it('corruption: last segment truncated or given garbage: cut, the prefix opens', async () => {
    const base = await buildLog()
    const prng = new SeededPrng(13)
    const last = base.segments[base.segments.length - 1]!
    const full = await base.fs.readFile(path(last))
    for (let i = 0; i < 10; i++) {
      const fs = base.fs.crashClone(prng, 'process')
      const garbage = Uint8Array.from({ length: prng.intInclusive(1, 300) }, () =>
        prng.intInclusive(0, 255),
      )
      const damaged =
        i % 2 === 0
          ? full.slice(0, prng.intInclusive(1, full.length - 1))
          : Uint8Array.from([...full, ...garbage])
      await rewrite(fs, path(last), damaged)
      const engine = await RaftLogEngine.open(fs, dir, { closedSegmentsMax: 1000 })
      expect(engine.lastIndex(1)).toBeGreaterThan(0)
      expect(engine.lastIndex(1)).toBeLessThanOrEqual(50)
      if (i % 2 === 1) expect(engine.lastIndex(1)).toBe(50) // garbage only: nothing lost
      expect(engine.stats.recoveredCutBytes).toBeGreaterThan(0)
      await engine.close()
    }
  })

  it('corruption: sealed segment truncated, emptied or given garbage: loud', async () => {
    const base = await buildLog()
    const prng = new SeededPrng(14)
    for (let i = 0; i < 9; i++) {
      const fs = base.fs.crashClone(prng, 'process')
      const id = base.segments[prng.intInclusive(0, base.segments.length - 2)]!
      const full = await fs.readFile(path(id))
      const damaged = [
        full.slice(0, prng.intInclusive(1, full.length - 1)),
        new Uint8Array(0),
        Uint8Array.from([...full, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      ][i % 3]!
      await rewrite(fs, path(id), damaged)
      expectLoud(await openError(fs), path(id))
    }
  })

  it('corruption: missing middle or first segment, or one swapped for another: loud', async () => {
    const base = await buildLog()
    const [first, second, third] = base.segments as [number, number, number]
    let fs = base.fs.crashClone(new SeededPrng(1), 'process')
    await fs.remove(path(second))
    expectLoud(await openError(fs), path(third))
    fs = base.fs.crashClone(new SeededPrng(2), 'process')
    await fs.remove(path(first))
    expectLoud(await openError(fs), path(second))
    fs = base.fs.crashClone(new SeededPrng(3), 'process')
    await rewrite(fs, path(third), await fs.readFile(path(second)))
    expectLoud(await openError(fs), path(third))
  })

  it('corruption: bit flip after recovery: the entry read fails, never a wrong value', async () => {
    const base = await buildLog()
    const fs = base.fs.crashClone(new SeededPrng(5), 'process')
    const engine = await RaftLogEngine.open(fs, dir, { closedSegmentsMax: 1000 })
    const id = base.segments[0]!
    const bytes = await fs.readFile(path(id))
    bytes[bytes.length - 5]! ^= 0x10 // inside the data of the segment's last entry
    // Rewrite in place through an append handle so the engine's reader sees it.
    await fs.truncate(path(id), 0)
    const out = await fs.openAppend(path(id))
    out.append(bytes)
    let failures = 0
    for (const shardId of [1, 2, 3]) {
      try {
        engine.entries(shardId, 1, engine.lastIndex(shardId) + 1, Infinity)
      } catch (error) {
        expectLoud(error, path(id))
        failures++
      }
    }
    expect(failures).toBe(1)
  })
})
