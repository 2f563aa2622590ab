/**
 * Reference counts the db keeps for readers: live snapshots by sequence number (compaction
 * keeps every version one of them can read) and value-log files that open iterators or value
 * streams read through memtable pointers (file deletion skips them).
 */
import type { Snapshot } from './db-types.ts'

class Counts {
  readonly #counts = new Map<number, number>()

  add(key: number, delta: number): void {
    const count = (this.#counts.get(key) ?? 0) + delta
    if (count <= 0) this.#counts.delete(key)
    else this.#counts.set(key, count)
  }

  keys(): number[] {
    return [...this.#counts.keys()]
  }
}

export class Pins {
  readonly #snapshots = new Counts()
  readonly #vlogs = new Counts()

  snapshot(seq: number): Snapshot {
    this.#snapshots.add(seq, 1)
    let released = false
    return {
      seq,
      release: () => {
        if (released) return
        released = true
        this.#snapshots.add(seq, -1)
      },
    }
  }

  /** Live snapshot sequence numbers, ascending. */
  snapshotSeqs(): number[] {
    return this.#snapshots.keys().sort((a, b) => a - b)
  }

  pinVlogs(fileNos: readonly number[], delta: 1 | -1): void {
    for (const fileNo of fileNos) this.#vlogs.add(fileNo, delta)
  }

  pinnedVlogs(): number[] {
    return this.#vlogs.keys()
  }
}
