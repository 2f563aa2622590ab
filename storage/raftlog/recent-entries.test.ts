// RecentEntries keeps the newest entries of each shard in memory for the apply path. These
// tests drive it directly with hand-built entries and a term function standing in for the
// shard's index, checking that it never returns an entry the index no longer holds, respects
// the byte budget, stays bounded and owns its bytes. The engine-level agreement with a model
// (reads right after conflicting overwrites) is in model.test.ts.
import { describe, expect, it } from 'vitest'
import { fromUtf8, utf8 } from '../../shared/codecs/bytes.ts'
import { RecentEntries } from './recent-entries.ts'
import type { LogEntry } from './shard-log.ts'

/** A log whose index holds term 1 everywhere. */
const allTermOne = { term: (): number => 1 }

function run(first: number, count: number, term: number, tag: string): LogEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    index: first + i,
    term,
    data: utf8(`${tag}${first + i}`),
  }))
}

/** The terms an index holds, as the engine's ShardLog would report them. */
function termsOf(entries: readonly LogEntry[]): { term(index: number): number | undefined } {
  const terms = new Map(entries.map((e) => [e.index, e.term]))
  return { term: (index) => terms.get(index) }
}

function texts(entries: readonly LogEntry[]): string[] {
  return entries.map((e) => `${e.index}@${e.term}:${fromUtf8(e.data)}`)
}

describe('RecentEntries', () => {
  const roomy = { entriesMax: 100, bytesMax: 1 << 20 }

  it('recent entries: remembered run: read back whole, and empty for unknown shards', () => {
    const recent = new RecentEntries(roomy)
    const entries = run(1, 5, 1, 'a')
    recent.remember(7, entries)
    const got = recent.read(7, 2, 5, Infinity, termsOf(entries))
    expect(texts(got)).toEqual(texts(entries.slice(1, 4)))
    expect(recent.read(8, 2, 5, Infinity, termsOf(entries))).toEqual([])
  })

  it('recent entries: suffix overwritten with a new term: old entries never come back', () => {
    const recent = new RecentEntries(roomy)
    recent.remember(1, run(1, 6, 1, 'old'))
    const replacement = run(4, 2, 2, 'new')
    recent.remember(1, replacement)
    const log = [...run(1, 3, 1, 'old'), ...replacement]
    const got = recent.read(1, 1, 6, Infinity, termsOf(log))
    expect(texts(got)).toEqual(texts(log))
    // Index 6 (old term 1) was dropped with the suffix: a read past 5 stops there.
    expect(recent.read(1, 6, 7, Infinity, allTermOne)).toEqual([])
  })

  it('recent entries: the index holds another term: the read stops before that entry', () => {
    const recent = new RecentEntries(roomy)
    const entries = run(1, 4, 1, 'a')
    recent.remember(1, entries)
    // The engine replaced 3.. (e.g. after a snapshot install) without telling the cache.
    const termAt = { term: (index: number): number | undefined => (index >= 3 ? 2 : 1) }
    expect(texts(recent.read(1, 1, 5, Infinity, termAt))).toEqual(texts(entries.slice(0, 2)))
    expect(recent.read(1, 3, 5, Infinity, termAt)).toEqual([])
  })

  it('recent entries: byte budget: at least one entry, then only while within it', () => {
    const recent = new RecentEntries(roomy)
    const entries = run(1, 4, 1, 'x') // each 2 data bytes: 18 with the header
    recent.remember(1, entries)
    expect(recent.read(1, 1, 5, 1, termsOf(entries))).toHaveLength(1)
    expect(recent.read(1, 1, 5, 36, termsOf(entries))).toHaveLength(2)
    expect(recent.read(1, 1, 5, 53, termsOf(entries))).toHaveLength(2)
  })

  it('recent entries: past the entry or byte bound: the oldest fall off, the newest stay', () => {
    const recent = new RecentEntries({ entriesMax: 8, bytesMax: 1 << 20 })
    const entries = run(1, 50, 1, 'e')
    recent.remember(1, entries)
    const terms = termsOf(entries)
    expect(recent.read(1, 1, 51, Infinity, terms)).toEqual([])
    const tail = recent.read(1, 45, 51, Infinity, terms)
    expect(texts(tail)).toEqual(texts(entries.slice(44)))
    const bytes = new RecentEntries({ entriesMax: 100, bytesMax: 40 })
    bytes.remember(1, [{ index: 1, term: 1, data: new Uint8Array(41) }])
    expect(bytes.read(1, 1, 2, Infinity, allTermOne)).toEqual([])
    bytes.remember(1, run(2, 30, 1, 'b')) // 2 or 3 bytes each
    // Reads start inside the window only: find its first index.
    let first = 2
    while (first < 32 && bytes.read(1, first, 32, Infinity, allTermOne).length === 0) first++
    const kept = bytes.read(1, first, 32, Infinity, allTermOne)
    expect(first).toBeGreaterThan(2)
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.reduce((sum, e) => sum + e.data.length, 0)).toBeLessThanOrEqual(40)
    expect(kept[kept.length - 1]!.index).toBe(31)
  })

  it('recent entries: a gap in indexes: the window restarts at the new entry', () => {
    const recent = new RecentEntries(roomy)
    recent.remember(1, run(1, 3, 1, 'a'))
    const later = run(10, 2, 2, 'b')
    recent.remember(1, later)
    expect(recent.read(1, 1, 4, Infinity, allTermOne)).toEqual([])
    expect(texts(recent.read(1, 10, 12, Infinity, termsOf(later)))).toEqual(texts(later))
  })

  it('recent entries: data that is a view into a larger buffer: copied, not shared', () => {
    const recent = new RecentEntries(roomy)
    const frame = utf8('headerPAYLOADtrailer')
    const view = frame.subarray(6, 13)
    recent.remember(1, [{ index: 1, term: 1, data: view }])
    frame.fill(0) // the receive buffer is reused
    const [entry] = recent.read(1, 1, 2, Infinity, allTermOne)
    expect(fromUtf8(entry!.data)).toBe('PAYLOAD')
    expect(entry!.data.buffer).not.toBe(frame.buffer)
  })

  it('recent entries: 3,000 1 KiB entries past the budget: the kept ones read back intact', () => {
    const recent = new RecentEntries({ entriesMax: 4096, bytesMax: 256 * 1024 })
    const entries: LogEntry[] = Array.from({ length: 3_000 }, (_, i) => ({
      index: i + 1,
      term: 1,
      data: new Uint8Array(1_000 + (i % 50)).fill(i % 251),
    }))
    // In small runs, as appends arrive: the window trims many times and drops arena chunks.
    for (let at = 0; at < entries.length; at += 7) recent.remember(3, entries.slice(at, at + 7))
    // A quarter falls off a full window: the newest 150 (~150 KiB) are always kept.
    const got = recent.read(3, 2_851, 3_001, Infinity, allTermOne)
    expect(got.length).toBe(150)
    expect(got.at(-1)?.index).toBe(3_000)
    for (const entry of got) {
      const want = entries[entry.index - 1]!
      expect(entry.data.length).toBe(want.data.length)
      expect(entry.data.every((byte) => byte === want.data[0])).toBe(true)
    }
  })
})
