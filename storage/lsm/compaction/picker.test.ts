// Compaction picker (pure): leveled picks L0 by file count and deeper levels by size against a
// 10x-per-level target, with trivial moves when nothing overlaps below and round-robin by
// compact pointer; tiered merges runs by size ratio or all of them on space amplification.
import { describe, expect, it } from 'vitest'
import { encodeInternalKey, Kind } from '../internal-key.ts'
import type { FileMeta } from '../manifest/version.ts'
import { Version } from '../manifest/version.ts'
import { levelTargetBytes, pickCompaction, type PickerOptions } from './picker.ts'

const enc = (text: string): Uint8Array => new TextEncoder().encode(text)
const counter = { nextFile: 1 }
function file(lo: string, hi: string, sizeBytes: number, maxSeq = counter.nextFile): FileMeta {
  return {
    fileNo: counter.nextFile++,
    sizeBytes,
    smallest: encodeInternalKey(enc(lo), 0, 0, maxSeq, Kind.value),
    largest: encodeInternalKey(enc(hi), 0, 0, maxSeq, Kind.value),
    minSeq: maxSeq,
    maxSeq,
    maxTimestamp: 0,
    maxVersion: 0,
    entries: 1,
    vlogRefs: [],
  }
}
const version = (levels: FileMeta[][]): Version =>
  new Version([...levels, ...Array.from({ length: 7 - levels.length }, () => [])], new Map())
const leveled: PickerOptions = {
  style: 'leveled',
  l0Trigger: 4,
  levelBaseBytes: 1000,
  sizeRatio: 10,
  levelsMax: 7,
}

describe('compaction picker', () => {
  it('leveled: L0 below its trigger and small levels: nothing to do', () => {
    const v = version([[file('a', 'b', 10)], [file('a', 'z', 500)]])
    expect(pickCompaction(v, leveled, new Map())).toBeUndefined()
  })

  it('leveled: four L0 files: all of them plus the overlapping L1 tables', () => {
    const l1 = [file('a', 'c', 100), file('d', 'f', 100), file('x', 'z', 100)]
    const l0 = [file('b', 'e', 10), file('a', 'b', 10), file('c', 'd', 10), file('b', 'c', 10)]
    const plan = pickCompaction(version([l0, l1]), leveled, new Map())!
    expect(plan.outputLevel).toBe(1)
    expect(plan.inputs.filter((i) => i.level === 0).length).toBe(4)
    expect(plan.inputs.filter((i) => i.level === 1).map((i) => i.file.fileNo)).toEqual([
      l1[0]!.fileNo,
      l1[1]!.fileNo,
    ])
    expect(plan.trivialMove).toBe(false)
  })

  it('leveled: L1 over target with no overlap below: a trivial move, round robin', () => {
    const l1 = [file('a', 'b', 800), file('c', 'd', 800)]
    const first = pickCompaction(version([[], l1]), leveled, new Map())!
    expect(first.trivialMove).toBe(true)
    expect(first.inputs[0]!.file.fileNo).toBe(l1[0]!.fileNo)
    const second = pickCompaction(version([[], l1]), leveled, new Map([[1, l1[0]!.largest]]))!
    expect(second.inputs[0]!.file.fileNo).toBe(l1[1]!.fileNo)
    expect(levelTargetBytes(3, leveled)).toBe(100_000)
  })

  it('tiered: runs of similar size: merges the newest while the next is no bigger', () => {
    const runs = [file('a', 'z', 10, 50), file('a', 'z', 10, 40), file('a', 'z', 15, 30)]
    runs.push(file('a', 'z', 1000, 20))
    const plan = pickCompaction(version([runs]), { ...leveled, style: 'tiered' }, new Map())!
    expect(plan.inputs.length).toBe(3)
    expect(plan.outputLevel).toBe(0)
    expect(plan.split).toBe(false)
  })

  it('tiered: newer runs outweigh the oldest twice: merges everything', () => {
    const runs = [file('a', 'z', 100, 50), file('a', 'z', 300, 40), file('a', 'z', 10, 30)]
    runs.push(file('a', 'z', 100, 20))
    const plan = pickCompaction(version([runs]), { ...leveled, style: 'tiered' }, new Map())!
    expect(plan.inputs.length).toBe(4)
  })
})
