/**
 * ReadViews: the read view of the current memtables and version (read-path.ts `ReadView`),
 * rebuilt only when either changes, so a get reuses the memtable list and the level fences.
 */
import { LevelFences } from './level-fences.ts'
import type { Version } from './manifest/version.ts'
import type { Memtable } from './memtable.ts'
import type { ReadView } from './read-path.ts'
import type { TableReader } from './sstable/reader.ts'

export class ReadViews {
  readonly #table: (fileNo: number) => TableReader
  /** Active then immutable memtables, newest first. */
  #memtables: readonly Memtable[] = []
  #cached: ReadView | undefined
  #fences: readonly LevelFences[] = []
  #fencesOf: Version | undefined

  constructor(table: (fileNo: number) => TableReader) {
    this.#table = table
  }

  /** The view of `mem`, then `imm` newest first, over `version`. */
  current(mem: Memtable, imm: readonly Memtable[], version: Version): ReadView {
    const memtables = this.#memtables
    if (memtables[0] !== mem || memtables.length !== imm.length + 1) {
      this.#memtables = [mem, ...[...imm].reverse()]
    }
    const cached = this.#cached
    if (cached?.memtables === this.#memtables && cached.version === version) return cached
    if (this.#fencesOf !== version) {
      this.#fences = version.levels.map((files) => new LevelFences(files))
      this.#fencesOf = version
    }
    const view = { memtables: this.#memtables, version, fences: this.#fences, table: this.#table }
    this.#cached = view
    return view
  }
}
