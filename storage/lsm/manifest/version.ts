/**
 * Version: an immutable picture of which tables sit on which level and which value-log files
 * are live. L0 is ordered newest first (by max sequence); L1 and deeper are sorted by smallest
 * key and never overlap in user keys. Readers pin a Version while they iterate.
 */
import { assert } from '../../../shared/assert.ts'
import { compareInternal, compareUserKeys } from '../internal-key.ts'

export interface FileMeta {
  readonly fileNo: number
  readonly sizeBytes: number
  readonly smallest: Uint8Array
  readonly largest: Uint8Array
  readonly minSeq: number
  readonly maxSeq: number
  readonly maxTimestamp: number
  readonly maxVersion: number
  readonly entries: number
  readonly vlogRefs: ReadonlyArray<readonly [number, number]>
}

export interface VlogMeta {
  readonly fileNo: number
  readonly sizeBytes: number
}

export class Version {
  readonly levels: ReadonlyArray<readonly FileMeta[]>
  readonly vlogs: ReadonlyMap<number, VlogMeta>
  refs = 0

  constructor(levels: ReadonlyArray<readonly FileMeta[]>, vlogs: ReadonlyMap<number, VlogMeta>) {
    this.levels = levels
    this.vlogs = vlogs
  }

  levelBytes(level: number): number {
    let total = 0
    for (const file of this.levels[level] ?? []) total += file.sizeBytes
    return total
  }

  /** Files of `level` whose user-key range meets [smallest, largest] (internal keys). */
  overlapping(level: number, smallest: Uint8Array, largest: Uint8Array): FileMeta[] {
    return (this.levels[level] ?? []).filter(
      (f) => compareUserKeys(f.largest, smallest) >= 0 && compareUserKeys(f.smallest, largest) <= 0,
    )
  }

  fileNos(): Set<number> {
    const out = new Set<number>()
    for (const level of this.levels) for (const file of level) out.add(file.fileNo)
    return out
  }

  /** Live bytes each value-log file holds, summed over the tables that point into it. */
  vlogLiveBytes(): Map<number, number> {
    const live = new Map<number, number>()
    for (const fileNo of this.vlogs.keys()) live.set(fileNo, 0)
    for (const level of this.levels) {
      for (const file of level) {
        for (const [vlog, bytes] of file.vlogRefs) live.set(vlog, (live.get(vlog) ?? 0) + bytes)
      }
    }
    return live
  }

  /** Deep structural checks (INVARIANTS). */
  check(): void {
    for (let level = 1; level < this.levels.length; level++) {
      const files = this.levels[level]!
      for (let i = 1; i < files.length; i++) {
        assert(
          compareUserKeys(files[i - 1]!.largest, files[i]!.smallest) < 0,
          `L${level} files ${files[i - 1]!.fileNo} and ${files[i]!.fileNo} overlap`,
        )
      }
    }
    for (const level of this.levels) {
      for (const file of level) {
        assert(compareInternal(file.smallest, file.largest) <= 0, `file ${file.fileNo} inverted`)
        for (const [vlog] of file.vlogRefs) {
          assert(this.vlogs.has(vlog), `table ${file.fileNo} points into missing vlog ${vlog}`)
        }
      }
    }
  }
}
