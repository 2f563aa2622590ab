/**
 * Compaction picker: a pure function from the current Version to the next compaction, or none.
 *
 * Leveled (LevelDB): L0 scores files / l0Trigger; level n >= 1 scores bytes / target, with
 * target = levelBaseBytes * sizeRatio^(n-1). The highest score >= 1 wins. An L0 compaction takes
 * every L0 table plus the overlapping L1 tables; a level-n compaction takes one table (round
 * robin by the level's compact pointer) plus its overlap in n+1. A single table with nothing to
 * merge below moves down without rewriting (trivial move).
 *
 * Tiered (universal): every table lives in L0 as one sorted run, newest first. When there are
 * at least l0Trigger runs, merge the newest runs while the next older run is no bigger than the
 * sum so far (size ratio), or all runs when the newer runs outweigh the oldest (space
 * amplification over 2x); the output is one run.
 */
import { compareInternal, compareUserKeys } from '../internal-key.ts'
import type { FileMeta, Version } from '../manifest/version.ts'

export interface PickerOptions {
  readonly style: 'leveled' | 'tiered'
  readonly l0Trigger: number
  readonly levelBaseBytes: number
  readonly sizeRatio: number
  readonly levelsMax: number
}

export interface CompactionPlan {
  readonly outputLevel: number
  /** Input tables with the level each sits on. */
  readonly inputs: ReadonlyArray<{ readonly level: number; readonly file: FileMeta }>
  readonly trivialMove: boolean
  /** False when the output must be one table (a tiered run). */
  readonly split: boolean
  readonly reason: string
}

export function levelTargetBytes(level: number, options: PickerOptions): number {
  return options.levelBaseBytes * Math.pow(options.sizeRatio, Math.max(0, level - 1))
}

/** `compactPointers`: per level, the largest internal key of the last table compacted there. */
export function pickCompaction(
  version: Version,
  options: PickerOptions,
  compactPointers: ReadonlyMap<number, Uint8Array>,
): CompactionPlan | undefined {
  return options.style === 'tiered'
    ? pickTiered(version, options)
    : pickLeveled(version, options, compactPointers)
}

function pickLeveled(
  version: Version,
  options: PickerOptions,
  pointers: ReadonlyMap<number, Uint8Array>,
): CompactionPlan | undefined {
  let bestLevel = -1
  let bestScore = 1
  const l0Score = version.levels[0]!.length / options.l0Trigger
  if (l0Score >= bestScore) {
    bestLevel = 0
    bestScore = l0Score
  }
  for (let level = 1; level < options.levelsMax - 1; level++) {
    const score = version.levelBytes(level) / levelTargetBytes(level, options)
    if (score > bestScore) {
      bestLevel = level
      bestScore = score
    }
  }
  if (bestLevel < 0) return undefined
  const reason = `L${bestLevel} score ${bestScore.toFixed(2)}`
  const picked =
    bestLevel === 0 ? [...version.levels[0]!] : [pickFile(version, bestLevel, pointers)]
  const smallest = picked.reduce(
    (min, f) => (compareInternal(f.smallest, min) < 0 ? f.smallest : min),
    picked[0]!.smallest,
  )
  const largest = picked.reduce(
    (max, f) => (compareInternal(f.largest, max) > 0 ? f.largest : max),
    picked[0]!.largest,
  )
  const below = version.overlapping(bestLevel + 1, smallest, largest)
  const inputs = [
    ...picked.map((file) => ({ level: bestLevel, file })),
    ...below.map((file) => ({ level: bestLevel + 1, file })),
  ]
  const trivialMove = picked.length === 1 && below.length === 0
  return { outputLevel: bestLevel + 1, inputs, trivialMove, split: true, reason }
}

function pickFile(
  version: Version,
  level: number,
  pointers: ReadonlyMap<number, Uint8Array>,
): FileMeta {
  const files = version.levels[level]!
  const pointer = pointers.get(level)
  const next =
    pointer === undefined ? undefined : files.find((f) => compareUserKeys(f.smallest, pointer) > 0)
  return next ?? files[0]!
}

function pickTiered(version: Version, options: PickerOptions): CompactionPlan | undefined {
  const runs = version.levels[0]!
  if (runs.length < options.l0Trigger) return undefined
  const oldest = runs[runs.length - 1]!
  const newerBytes = runs.slice(0, -1).reduce((sum, f) => sum + f.sizeBytes, 0)
  let count: number
  let reason: string
  if (newerBytes >= 2 * oldest.sizeBytes) {
    count = runs.length
    reason = `space amplification ${(newerBytes / Math.max(1, oldest.sizeBytes)).toFixed(2)}`
  } else {
    let sum = runs[0]!.sizeBytes
    count = 1
    while (count < runs.length && runs[count]!.sizeBytes <= sum) {
      sum += runs[count]!.sizeBytes
      count++
    }
    if (count < 2) count = Math.min(runs.length, options.l0Trigger)
    reason = `size ratio over ${count} runs`
  }
  const inputs = runs.slice(0, count).map((file) => ({ level: 0, file }))
  return { outputLevel: 0, inputs, trivialMove: false, split: false, reason }
}
