// LevelFences: the word search over a sorted level's files must pick exactly the file a linear
// scan of the ranges picks, or none. Method: a property over levels cut from sorted random user
// keys of a tiny alphabet behind shared prefixes (ties in the words, keys ending inside a word,
// one-key files), probed with the boundary keys and random keys inside and outside the level.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareToUserKey, encodeInternalKey, Kind } from './internal-key.ts'
import { LevelFences } from './level-fences.ts'
import { userKeysWithHeads } from './user-keys.test-helper.ts'
import type { FileMeta } from './manifest/version.ts'

const userKeyArb = userKeysWithHeads(['', 's1/', 's1/ab', 's2/'], 6)

const compareBytes = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b)

function fileOf(fileNo: number, smallest: Uint8Array, largest: Uint8Array): FileMeta {
  return {
    fileNo,
    sizeBytes: 1,
    smallest: encodeInternalKey(smallest, 0, 0, 9, Kind.value),
    largest: encodeInternalKey(largest, 0, 0, 1, Kind.value),
    minSeq: 1,
    maxSeq: 9,
    maxTimestamp: 0,
    maxVersion: 0,
    entries: 2,
    vlogRefs: [],
  }
}

/** Files over consecutive runs of the distinct sorted keys (a run of one is a one-key file). */
function levelOf(keys: readonly Uint8Array[], cuts: readonly number[]): FileMeta[] {
  const sorted = [...new Map(keys.map((k) => [Buffer.from(k).toString('hex'), k])).values()]
  sorted.sort(compareBytes)
  const files: FileMeta[] = []
  let at = 0
  for (const cut of cuts) {
    if (at >= sorted.length) break
    const end = Math.min(sorted.length - 1, at + cut)
    files.push(fileOf(files.length + 1, sorted[at]!, sorted[end]!))
    at = end + 1 + (cut % 2) // sometimes leave a gap key outside every file
  }
  return files
}

describe('level fences', () => {
  it('find: any level and probe: the file a linear scan of the ranges finds', () => {
    const arb = fc.record({
      keys: fc.array(userKeyArb, { minLength: 1, maxLength: 50 }),
      cuts: fc.array(fc.nat(4), { minLength: 1, maxLength: 20 }),
      probes: fc.array(userKeyArb, { maxLength: 30 }),
    })
    fc.assert(
      fc.property(arb, ({ keys, cuts, probes }) => {
        const files = levelOf(keys, cuts)
        const fences = new LevelFences(files)
        for (const probe of [...keys, ...probes]) {
          const scan = files.find(
            (f) =>
              compareToUserKey(f.smallest, probe) <= 0 && compareToUserKey(f.largest, probe) >= 0,
          )
          expect(fences.find(probe)?.fileNo).toBe(scan?.fileNo)
        }
      }),
      { numRuns: 300, seed: 3 },
    )
  })

  it('maxima: files with stamps: the largest timestamp and version over the level', () => {
    const files = levelOf(
      [1, 2, 3, 4].map((b) => new Uint8Array([b])),
      [0, 0, 0, 0],
    )
    const stamped = files.map((f, i) => ({ ...f, maxTimestamp: [5, 9, 2, 0][i]!, maxVersion: i }))
    const fences = new LevelFences(stamped)
    expect([fences.maxTimestamp, fences.maxVersion]).toEqual([9, 3])
    expect([new LevelFences([]).maxTimestamp, new LevelFences([]).maxVersion]).toEqual([0, 0])
  })

  it('find: an empty level: no file', () => {
    expect(new LevelFences([]).find(new Uint8Array([1]))).toBeUndefined()
  })
})
