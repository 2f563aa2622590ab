// RaftLogEngine: round trips through the shared log and reopen, group commit (many shards'
// concurrent appends share one fsync, counted through a pass-through FaultFileSystem), the
// log rules (gaps, conflicts, compaction, double votes) and the fsyncgate failure policy.
import { describe, expect, it } from 'vitest'
import { fromUtf8, utf8 } from '../../shared/codecs/bytes.ts'
import { isShoalError } from '../../shared/errors.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FaultFileSystem } from '../vfs/fault-fs.ts'
import { NodeFileSystem } from '../vfs/node-fs.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import type { LogEntry } from './log-engine.ts'
import { RaftLogEngine } from './log-engine.ts'

const dir = '/node/raftlog'

function entries(first: number, count: number, term: number, tag = 'v'): LogEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    index: first + i,
    term,
    data: utf8(`${tag}${first + i}`),
  }))
}

function texts(result: LogEntry[] | 'compacted'): string[] | 'compacted' {
  return result === 'compacted'
    ? result
    : result.map((e) => `${e.index}@${e.term}:${fromUtf8(e.data)}`)
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

async function counted() {
  const mem = new MemFileSystem()
  const fs = new FaultFileSystem(mem, { prng: new SeededPrng(1) })
  const engine = await RaftLogEngine.open(fs, dir)
  const syncs = () => fs.stats.calls.get('sync') ?? 0
  return { mem, fs, engine, syncs }
}

describe('raftlog engine', () => {
  it('engine: entries and hard state of several shards: read back, and after reopen', async () => {
    const fs = new MemFileSystem()
    const engine = await RaftLogEngine.open(fs, dir)
    await engine.append([
      { shardId: 1, entries: entries(1, 3, 1, 'a'), hardState: { term: 1, vote: 2, commit: 2 } },
      { shardId: 2, entries: entries(1, 2, 4, 'b') },
    ])
    await engine.append([{ shardId: 1, entries: entries(4, 2, 2, 'a') }])
    const check = (e: RaftLogEngine) => {
      expect(texts(e.entries(1, 1, 6, Infinity))).toEqual([
        '1@1:a1',
        '2@1:a2',
        '3@1:a3',
        '4@2:a4',
        '5@2:a5',
      ])
      expect(texts(e.entries(2, 1, 3, Infinity))).toEqual(['1@4:b1', '2@4:b2'])
      expect(e.hardState(1)).toEqual({ term: 1, vote: 2, commit: 2 })
      expect(e.hardState(2)).toBeUndefined()
      expect([e.firstIndex(1), e.lastIndex(1), e.term(1, 4), e.term(1, 0), e.term(1, 6)]).toEqual([
        1,
        5,
        2,
        0,
        'unavailable',
      ])
    }
    check(engine)
    await engine.close()
    const reopened = await RaftLogEngine.open(fs, dir)
    check(reopened)
    expect(reopened.shardIds()).toEqual([1, 2])
  })

  it('engine: maxBytes: returns at least one entry, then stops within the budget', async () => {
    const engine = await RaftLogEngine.open(new MemFileSystem(), dir)
    await engine.append([{ shardId: 3, entries: entries(1, 10, 1, 'xxxx') }])
    expect(texts(engine.entries(3, 1, 11, 1))).toEqual(['1@1:xxxx1'])
    const some = engine.entries(3, 1, 11, 3 * (16 + 5))
    expect(some !== 'compacted' && some.length).toBe(3)
  })

  it('engine: 64 concurrent appends over 16 shards: one fsync in total', async () => {
    const { engine, syncs } = await counted()
    const before = syncs()
    const appends = Array.from({ length: 64 }, (_, i) =>
      engine.append([{ shardId: i % 16, entries: entries(Math.floor(i / 16) + 1, 1, 1) }]),
    )
    // Same-turn appends for one shard queue in order, so indexes 1..4 attach in sequence.
    await Promise.all(appends)
    expect(syncs() - before).toBe(1)
    expect(engine.stats.batches).toBe(1)
    for (let shard = 0; shard < 16; shard++) expect(engine.lastIndex(shard)).toBe(4)
  })

  it('engine: appends made while an fsync is in flight: go into the next batch', async () => {
    const { engine, syncs } = await counted()
    const before = syncs()
    const first = Array.from({ length: 8 }, (_, i) =>
      engine.append([{ shardId: i, entries: entries(1, 1, 1) }]),
    )
    await Promise.resolve()
    await Promise.resolve() // the first batch is written and its fsync started
    const second = Array.from({ length: 8 }, (_, i) =>
      engine.append([{ shardId: i, entries: entries(2, 1, 1) }]),
    )
    await Promise.all([...first, ...second])
    expect(syncs() - before).toBe(2)
  })

  it('engine: follower conflict: matching entries kept, conflicting suffix replaced', async () => {
    const engine = await RaftLogEngine.open(new MemFileSystem(), dir)
    await engine.append([{ shardId: 1, entries: entries(1, 5, 1, 'old') }])
    await engine.append([
      { shardId: 1, entries: [...entries(2, 2, 1, 'old'), ...entries(4, 1, 2, 'new')] },
    ])
    expect(texts(engine.entries(1, 1, 5, Infinity))).toEqual([
      '1@1:old1',
      '2@1:old2',
      '3@1:old3',
      '4@2:new4',
    ])
    await engine.append([{ shardId: 1, truncateFrom: 3 }])
    expect(engine.lastIndex(1)).toBe(2)
  })

  it('engine: entries it holds sent again with other bytes: kept as first written', async () => {
    // The engine keeps an entry whose (index, term) it holds; recent entries served from
    // memory must agree with what the index points to on disk, before and after a reopen.
    const fs = new MemFileSystem()
    const engine = await RaftLogEngine.open(fs, dir)
    await engine.append([{ shardId: 1, entries: entries(1, 3, 1, 'first') }])
    await engine.append([
      { shardId: 1, entries: [...entries(2, 2, 1, 'resent'), ...entries(4, 1, 1, 'next')] },
    ])
    const expected = ['1@1:first1', '2@1:first2', '3@1:first3', '4@1:next4']
    expect(texts(engine.entries(1, 1, 5, Infinity))).toEqual(expected)
    await engine.close()
    const reopened = await RaftLogEngine.open(fs, dir)
    expect(texts(reopened.entries(1, 1, 5, Infinity))).toEqual(expected)
  })

  it('engine: rule violations: whole call rejected with bad-request, nothing changed', async () => {
    const engine = await RaftLogEngine.open(new MemFileSystem(), dir)
    await engine.append([
      { shardId: 1, entries: entries(1, 3, 2), hardState: { term: 2, vote: 1, commit: 0 } },
    ])
    const cases = [
      [{ shardId: 1, entries: entries(5, 1, 2) }], // gap
      [{ shardId: 1, entries: entries(4, 1, 1) }], // term goes back
      [{ shardId: 1, hardState: { term: 2, vote: 3, commit: 0 } }], // second vote in a term
      [{ shardId: 1, hardState: { term: 1, vote: 1, commit: 0 } }], // term goes back
      [
        { shardId: 2, entries: entries(1, 1, 1) },
        { shardId: 1, truncateFrom: 9 },
      ], // whole call
    ]
    for (const writes of cases) {
      const error = await rejection(engine.append(writes))
      expect(isShoalError(error, 'bad-request'), String(error)).toBe(true)
    }
    expect(engine.lastIndex(1)).toBe(3)
    expect(engine.lastIndex(2)).toBe(0)
    expect(isShoalError(await rejection(engine.compact(1, 7)), 'bad-request')).toBe(true)
    const twice = rejection(engine.append([{ shardId: 1 }, { shardId: 1 }]))
    expect(isShoalError(await twice, 'bad-request')).toBe(true)
  })

  it('engine: compact and snapshot: prefix dropped, term of the marker kept', async () => {
    const fs = new MemFileSystem()
    const engine = await RaftLogEngine.open(fs, dir)
    await engine.append([{ shardId: 1, entries: [...entries(1, 3, 1), ...entries(4, 3, 2)] }])
    await engine.compact(1, 4)
    expect([engine.firstIndex(1), engine.term(1, 4), engine.term(1, 3)]).toEqual([
      5,
      2,
      'compacted',
    ])
    expect(engine.entries(1, 3, 5, Infinity)).toBe('compacted')
    // A snapshot the log does not hold replaces the whole log.
    await engine.append([{ shardId: 1, snapshot: { index: 10, term: 3 } }])
    expect([engine.firstIndex(1), engine.lastIndex(1), engine.term(1, 10)]).toEqual([11, 10, 3])
    await engine.append([{ shardId: 1, entries: entries(11, 1, 3) }])
    await engine.close()
    const reopened = await RaftLogEngine.open(fs, dir)
    expect([reopened.firstIndex(1), reopened.lastIndex(1), reopened.term(1, 10)]).toEqual([
      11, 11, 3,
    ])
  })

  it('engine: fsync fails: that append and every later call reject, nothing retried', async () => {
    const mem = new MemFileSystem()
    const fs = new FaultFileSystem(mem, { prng: new SeededPrng(1) })
    const engine = await RaftLogEngine.open(fs, dir)
    await engine.append([{ shardId: 1, entries: entries(1, 1, 1) }])
    const syncsBefore = fs.stats.calls.get('sync') ?? 0
    fs.addRule({ op: 'sync', nth: 1 })
    const failed = await rejection(engine.append([{ shardId: 1, entries: entries(2, 1, 1) }]))
    expect(isShoalError(failed, 'io')).toBe(true)
    expect(engine.failure).toBeDefined()
    const later = await rejection(engine.append([{ shardId: 1, entries: entries(3, 1, 1) }]))
    expect(isShoalError(later, 'io')).toBe(true)
    expect(() => engine.lastIndex(1)).toThrow(/restart required/)
    expect((fs.stats.calls.get('sync') ?? 0) - syncsBefore).toBe(1) // no retry
    // A restart recovers what was acknowledged.
    const reopened = await RaftLogEngine.open(mem, dir)
    expect(reopened.lastIndex(1)).toBeGreaterThanOrEqual(1)
  })

  it('engine: disk full while appending: typed disk-full, engine stops', async () => {
    const mem = new MemFileSystem()
    const fs = new FaultFileSystem(mem, { prng: new SeededPrng(5) })
    const engine = await RaftLogEngine.open(fs, dir)
    fs.addRule({ op: 'append', nth: 1, code: 'disk-full', tornAppend: true })
    const error = await rejection(engine.append([{ shardId: 1, entries: entries(1, 50, 1) }]))
    expect(isShoalError(error, 'disk-full')).toBe(true)
    const reopened = await RaftLogEngine.open(mem, dir)
    expect(reopened.lastIndex(1)).toBe(0) // the torn, unacknowledged batch is cut
    expect(reopened.stats.recoveredCutBytes).toBeGreaterThanOrEqual(0)
  })

  it('engine: on the real file system: rotation, GC and reopen read the same entries', async () => {
    const root = mkdtempSync(join(tmpdir(), 'shoal-raftlog-'))
    try {
      const fs = new NodeFileSystem()
      const path = join(root, 'log')
      const options = { segmentBytesTarget: 4096, closedSegmentsMax: 1 }
      const engine = await RaftLogEngine.open(fs, path, options)
      for (let index = 1; index <= 120; index++) {
        await engine.append([
          { shardId: 1, entries: entries(index, 1, 1, 'real'.repeat(10)) },
          { shardId: 2, entries: entries(index, 1, 1, 'two') },
        ])
      }
      await engine.compact(1, 100)
      await engine.close()
      expect(engine.stats.segmentsDeleted).toBeGreaterThan(0)
      const reopened = await RaftLogEngine.open(fs, path, options)
      expect(texts(reopened.entries(1, 119, 121, Infinity))).toEqual([
        `119@1:${'real'.repeat(10)}119`,
        `120@1:${'real'.repeat(10)}120`,
      ])
      const all = reopened.entries(2, 1, 121, Infinity)
      expect(all !== 'compacted' && all.length).toBe(120)
      await reopened.close()
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
