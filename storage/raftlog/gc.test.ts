// Segment garbage collection: a busy shard that compacts and a lagging shard that never does
// share one log with small segments. The lagging shard's live entries must be rewritten
// forward so the segment count stays bounded, its data must stay readable and verified,
// and a reopen (including after a system crash) must rebuild the same state.
import { describe, expect, it } from 'vitest'
import { fromUtf8, utf8 } from '../../shared/codecs/bytes.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import { RaftLogEngine } from './log-engine.ts'

const dir = '/node/raftlog'
const options = { segmentBytesTarget: 4096, closedSegmentsMax: 2 }

function lagging(engine: RaftLogEngine): string[] {
  const entries = engine.entries(2, 1, engine.lastIndex(2) + 1, Infinity)
  return entries === 'compacted' ? ['compacted'] : entries.map((e) => fromUtf8(e.data))
}

describe('raftlog gc', () => {
  it('gc: lagging shard pins old segments: rewritten forward, disk stays bounded', async () => {
    const fs = new MemFileSystem()
    const engine = await RaftLogEngine.open(fs, dir, options)
    await engine.append([
      {
        shardId: 2,
        entries: [1, 2, 3, 4, 5].map((index) => ({ index, term: 1, data: utf8(`lag ${index}`) })),
        hardState: { term: 1, vote: 7, commit: 3 },
      },
    ])
    let segmentsMax = 0
    for (let index = 1; index <= 400; index++) {
      const data = utf8(`busy ${index} `.padEnd(120, '#'))
      await engine.append([{ shardId: 1, entries: [{ index, term: 1, data }] }])
      if (index % 10 === 0) await engine.compact(1, index - 5)
      segmentsMax = Math.max(segmentsMax, engine.segmentIds().length)
    }
    await engine.close()
    expect(engine.stats.segmentsCreated).toBeGreaterThan(10)
    expect(engine.stats.segmentsDeleted).toBeGreaterThan(8)
    expect(engine.stats.rewrites).toBeGreaterThan(0)
    expect(segmentsMax).toBeLessThanOrEqual(options.closedSegmentsMax + 2)
    expect(engine.segmentIds()[0]).toBeGreaterThan(1) // the first segment is gone
    const expected = ['lag 1', 'lag 2', 'lag 3', 'lag 4', 'lag 5']
    const reopened = await RaftLogEngine.open(fs, dir, options)
    expect(lagging(reopened)).toEqual(expected)
    expect(reopened.hardState(2)).toEqual({ term: 1, vote: 7, commit: 3 })
    expect([reopened.firstIndex(1), reopened.lastIndex(1)]).toEqual([396, 400])
    const crashed = await RaftLogEngine.open(fs.crashClone(new SeededPrng(3), 'system'), dir)
    expect(lagging(crashed)).toEqual(expected)
  })

  it('gc: rewrites off: no segment is ever freed', async () => {
    // Control for the test above. A segment is freed only once every shard that wrote to it
    // has been rewritten into a later one, so with rewrites off the log only grows.
    const engine = await RaftLogEngine.open(new MemFileSystem(), dir, {
      ...options,
      closedSegmentsMax: 1_000_000,
    })
    await engine.append([{ shardId: 2, entries: [{ index: 1, term: 1, data: utf8('lag') }] }])
    for (let index = 1; index <= 200; index++) {
      const data = utf8(`busy ${index} `.padEnd(120, '#'))
      await engine.append([{ shardId: 1, entries: [{ index, term: 1, data }] }])
      if (index % 10 === 0) await engine.compact(1, index - 5)
    }
    await engine.close()
    expect(engine.stats.segmentsDeleted).toBe(0)
    expect(engine.segmentIds().length).toBe(engine.stats.segmentsCreated + 1)
  })
})
