/**
 * ShardLog: the in-memory index of one shard replica's log inside the shared raft log. It
 * keeps, per entry, only its term and where it sits on disk (segment, offset, size); entry
 * data is read back with readAt and verified by its own checksum. So memory per entry is four
 * numbers, whatever the payload size.
 *
 * The same mutation rules run on the live path (after `writeProblem` accepted a write) and
 * during recovery (where a violation means the log on disk is corrupt), so a replayed log
 * always rebuilds exactly the state the live engine had.
 */
import { assert } from '../../shared/assert.ts'
import type { HardState } from './record.ts'

export interface LogEntry {
  readonly index: number
  readonly term: number
  readonly data: Uint8Array
}

/** One shard's part of an append: applied in field order (snapshot, truncate, entries, hs). */
export interface LogWrite {
  readonly shardId: number
  /** The log now begins after (index, term): entries <= index are dropped; if the log does not
   * hold (index, term) it is replaced entirely (Raft's snapshot-install rule). */
  readonly snapshot?: { readonly index: number; readonly term: number }
  /** Drop entries >= this index (a follower overwriting a conflicting suffix). */
  readonly truncateFrom?: number
  /** Consecutive entries. Those matching an existing (index, term) are skipped; from the first
   * term mismatch on, the old suffix is replaced (etcd's findConflict rule). */
  readonly entries?: readonly LogEntry[]
  readonly hardState?: HardState
}

export interface EntryLocation {
  readonly segmentId: number
  /** Offset of the entry's 16-byte header in the segment file. */
  readonly offset: number
  /** Header plus data. */
  readonly sizeBytes: number
}

export class ShardLog {
  readonly shardId: number
  /** The last compacted index (0 if none); entry i of the arrays has index snapshotIndex+1+i. */
  snapshotIndex = 0
  snapshotTerm = 0
  hardState: HardState | undefined
  /** Segments holding the latest hard-state and snapshot-marker records (they pin them). */
  hardStateSegmentId: number | undefined
  markerSegmentId: number | undefined
  // Parallel arrays, live from #head on. Invariant: segment ids are non-decreasing.
  #terms: number[] = []
  #segmentIds: number[] = []
  #offsets: number[] = []
  #sizes: number[] = []
  #head = 0

  constructor(shardId: number) {
    this.shardId = shardId
  }

  get firstIndex(): number {
    return this.snapshotIndex + 1
  }

  get lastIndex(): number {
    return this.snapshotIndex + this.#terms.length - this.#head
  }

  /** Term of `index`: known for snapshotIndex..lastIndex, undefined outside. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm
    if (index < this.snapshotIndex || index > this.lastIndex) return undefined
    return this.#terms[this.#slot(index)]
  }

  location(index: number): EntryLocation {
    assert(index >= this.firstIndex && index <= this.lastIndex, `index ${index} not in the log`)
    const slot = this.#slot(index)
    return {
      segmentId: this.#segmentIds[slot]!,
      offset: this.#offsets[slot]!,
      sizeBytes: this.#sizes[slot]!,
    }
  }

  /** The oldest segment this shard still needs, or undefined if it needs none. */
  minSegmentId(): number | undefined {
    let min = Number.POSITIVE_INFINITY
    if (this.hardStateSegmentId !== undefined) min = Math.min(min, this.hardStateSegmentId)
    if (this.markerSegmentId !== undefined) min = Math.min(min, this.markerSegmentId)
    if (this.lastIndex >= this.firstIndex) min = Math.min(min, this.#segmentIds[this.#head]!)
    return min === Number.POSITIVE_INFINITY ? undefined : min
  }

  #slot(index: number): number {
    return this.#head + (index - this.snapshotIndex - 1)
  }

  /** compact-prefix rule. Returns a problem instead of changing anything when it does not fit. */
  applySnapshot(index: number, term: number, segmentId: number): string | undefined {
    if (index < this.snapshotIndex) {
      return `snapshot ${index} is older than the log's ${this.snapshotIndex}`
    }
    if (index <= this.lastIndex && this.term(index) === term) {
      this.#dropPrefix(index - this.snapshotIndex)
    } else {
      this.#truncateSlots(this.#head)
    }
    this.snapshotIndex = index
    this.snapshotTerm = term
    this.markerSegmentId = segmentId
    return undefined
  }

  /** rewrite-begin rule: forget everything; the copy that follows rebuilds the shard. */
  reset(index: number, term: number, segmentId: number): void {
    this.#truncateSlots(this.#head)
    this.snapshotIndex = index
    this.snapshotTerm = term
    this.markerSegmentId = segmentId
    this.hardState = undefined
    this.hardStateSegmentId = undefined
  }

  truncateFrom(index: number): string | undefined {
    if (index < this.firstIndex || index > this.lastIndex + 1) {
      return `truncate from ${index} outside ${this.firstIndex}..${this.lastIndex + 1}`
    }
    this.#truncateSlots(this.#slot(index))
    return undefined
  }

  /** Appends entries firstIndex.. with `terms`; `locations[i]` is where entry i sits. */
  appendEntries(
    firstIndex: number,
    terms: readonly number[],
    locations: readonly EntryLocation[],
  ): string | undefined {
    const problem = entriesProblem(this, firstIndex, terms)
    if (problem !== undefined) return problem
    for (let i = 0; i < terms.length; i++) {
      const index = firstIndex + i
      if (index <= this.lastIndex) {
        if (this.term(index) === terms[i]) continue
        this.#truncateSlots(this.#slot(index))
      }
      const location = locations[i]!
      assert(
        this.#segmentIds.length === this.#head ||
          this.#segmentIds[this.#segmentIds.length - 1]! <= location.segmentId,
        'entry locations must not go back in the log',
      )
      this.#terms.push(terms[i]!)
      this.#segmentIds.push(location.segmentId)
      this.#offsets.push(location.offset)
      this.#sizes.push(location.sizeBytes)
    }
    return undefined
  }

  setHardState(hardState: HardState, segmentId: number): string | undefined {
    const problem = hardStateProblem(this.hardState, hardState)
    if (problem !== undefined) return problem
    this.hardState = hardState
    this.hardStateSegmentId = segmentId
    return undefined
  }

  #dropPrefix(count: number): void {
    this.#head += count
    if (this.#head > 1024 && this.#head * 2 > this.#terms.length) {
      for (const array of [this.#terms, this.#segmentIds, this.#offsets, this.#sizes]) {
        array.splice(0, this.#head)
      }
      this.#head = 0
    }
  }

  #truncateSlots(slot: number): void {
    for (const array of [this.#terms, this.#segmentIds, this.#offsets, this.#sizes]) {
      array.length = slot
    }
  }
}

function entriesProblem(
  log: { firstIndex: number; lastIndex: number; term(index: number): number | undefined },
  firstIndex: number,
  terms: readonly number[],
): string | undefined {
  if (terms.length === 0) return 'empty entries'
  if (firstIndex < log.firstIndex || firstIndex > log.lastIndex + 1) {
    return `entries from ${firstIndex} do not attach to log ${log.firstIndex}..${log.lastIndex}`
  }
  let previous = log.term(firstIndex - 1) ?? 0
  for (const term of terms) {
    if (!Number.isSafeInteger(term) || term < previous) {
      return `entry terms must be non-decreasing integers (${term} after ${previous})`
    }
    previous = term
  }
  return undefined
}

function hardStateProblem(previous: HardState | undefined, next: HardState): string | undefined {
  for (const value of [next.term, next.vote, next.commit]) {
    if (!Number.isSafeInteger(value) || value < 0) return 'hard state fields must be u64'
  }
  if (previous === undefined) return undefined
  if (next.term < previous.term) return `term went back from ${previous.term} to ${next.term}`
  if (next.term === previous.term && previous.vote !== 0 && next.vote !== previous.vote) {
    return `vote changed within term ${next.term}`
  }
  return undefined
}

/**
 * Why a write cannot be applied to `log` (undefined = it can), checked on a projection of the
 * log after each part, so a write is accepted or refused whole.
 */
export function writeProblem(log: ShardLog, write: LogWrite): string | undefined {
  let snapshotIndex = log.snapshotIndex
  let snapshotTerm = log.snapshotTerm
  let lastIndex = log.lastIndex
  const view = {
    get firstIndex() {
      return snapshotIndex + 1
    },
    get lastIndex() {
      return lastIndex
    },
    term: (index: number): number | undefined => {
      if (index === snapshotIndex) return snapshotTerm
      return index < snapshotIndex || index > lastIndex ? undefined : log.term(index)
    },
  }
  if (write.snapshot !== undefined) {
    const { index, term } = write.snapshot
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(term) || index < 0 || term < 0) {
      return 'snapshot index and term must be u64'
    }
    if (index < snapshotIndex) return `snapshot ${index} is older than the log's ${snapshotIndex}`
    const keeps = index <= lastIndex && view.term(index) === term
    snapshotIndex = index
    snapshotTerm = term
    if (!keeps) lastIndex = index
  }
  if (write.truncateFrom !== undefined) {
    const from = write.truncateFrom
    if (!Number.isSafeInteger(from) || from < snapshotIndex + 1 || from > lastIndex + 1) {
      return `truncate from ${from} outside ${snapshotIndex + 1}..${lastIndex + 1}`
    }
    lastIndex = from - 1
  }
  if (write.entries !== undefined) {
    const entries = write.entries
    const first = entries[0]?.index ?? 0
    if (!entries.every((entry, i) => entry.index === first + i)) {
      return 'entry indexes must be consecutive'
    }
    const problem = entriesProblem(
      view,
      first,
      entries.map((entry) => entry.term),
    )
    if (problem !== undefined) return problem
  }
  if (write.hardState !== undefined) return hardStateProblem(log.hardState, write.hardState)
  return undefined
}
