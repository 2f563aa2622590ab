/**
 * MergingIterator: a k-way merge of sorted sources into one stream in internal-key order (or its
 * reverse). Sources are few (memtables, L0 tables, one per deeper level), so the smallest is
 * found by a linear pass. A merged cursor moves in one direction, fixed by its first seek.
 */
import { assert } from '../../shared/assert.ts'
import { compareInternal } from './internal-key.ts'
import type { InternalIterator } from './iterator.ts'
import type { FileMeta } from './manifest/version.ts'

export class MergingIterator implements InternalIterator {
  readonly #children: InternalIterator[]
  #current: InternalIterator | undefined
  #forward = true

  constructor(children: InternalIterator[]) {
    this.#children = children
  }

  #pick(): void {
    let best: InternalIterator | undefined
    for (const child of this.#children) {
      if (!child.valid()) continue
      if (best === undefined) best = child
      else {
        const c = compareInternal(child.key(), best.key())
        if (this.#forward ? c < 0 : c > 0) best = child
      }
    }
    this.#current = best
  }

  valid(): boolean {
    return this.#current !== undefined
  }
  key(): Uint8Array {
    return this.#current!.key()
  }
  value(): Uint8Array {
    return this.#current!.value()
  }
  seekGE(target: Uint8Array): void {
    this.#forward = true
    for (const child of this.#children) child.seekGE(target)
    this.#pick()
  }
  seekLT(target: Uint8Array): void {
    this.#forward = false
    for (const child of this.#children) child.seekLT(target)
    this.#pick()
  }
  first(): void {
    this.#forward = true
    for (const child of this.#children) child.first()
    this.#pick()
  }
  last(): void {
    this.#forward = false
    for (const child of this.#children) child.last()
    this.#pick()
  }
  next(): void {
    assert(this.#forward, 'merging iterator moves in one direction')
    this.#current!.next()
    this.#pick()
  }
  prev(): void {
    assert(!this.#forward, 'merging iterator moves in one direction')
    this.#current!.prev()
    this.#pick()
  }
}

/** A table as a source of entries: a reader, or a compaction's uncached scan of one. */
export interface IterableTable {
  iterator(): InternalIterator
}

/** Concatenation of the non-overlapping, sorted tables of one level (L1 and deeper). */
export class LevelIterator implements InternalIterator {
  readonly #files: readonly FileMeta[]
  readonly #open: (fileNo: number) => IterableTable
  #index = -1
  #inner: InternalIterator | undefined

  constructor(files: readonly FileMeta[], open: (fileNo: number) => IterableTable) {
    this.#files = files
    this.#open = open
  }

  #at(i: number): void {
    this.#index = i
    const file = this.#files[i]
    this.#inner = file === undefined ? undefined : this.#open(file.fileNo).iterator()
  }

  #forwardSkip(): void {
    while (this.#inner !== undefined && !this.#inner.valid()) {
      this.#at(this.#index + 1)
      this.#inner?.first()
    }
  }

  #backwardSkip(): void {
    while (this.#inner !== undefined && !this.#inner.valid()) {
      this.#at(this.#index - 1)
      this.#inner?.last()
    }
  }

  valid(): boolean {
    return this.#inner !== undefined && this.#inner.valid()
  }
  key(): Uint8Array {
    return this.#inner!.key()
  }
  value(): Uint8Array {
    return this.#inner!.value()
  }
  seekGE(target: Uint8Array): void {
    let lo = 0
    let hi = this.#files.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareInternal(this.#files[mid]!.largest, target) < 0) lo = mid + 1
      else hi = mid
    }
    this.#at(lo)
    this.#inner?.seekGE(target)
    this.#forwardSkip()
  }
  seekLT(target: Uint8Array): void {
    let lo = 0
    let hi = this.#files.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareInternal(this.#files[mid]!.smallest, target) < 0) lo = mid + 1
      else hi = mid
    }
    this.#at(lo - 1)
    this.#inner?.seekLT(target)
    this.#backwardSkip()
  }
  first(): void {
    this.#at(0)
    this.#inner?.first()
    this.#forwardSkip()
  }
  last(): void {
    this.#at(this.#files.length - 1)
    this.#inner?.last()
    this.#backwardSkip()
  }
  next(): void {
    this.#inner!.next()
    this.#forwardSkip()
  }
  prev(): void {
    this.#inner!.prev()
    this.#backwardSkip()
  }
}
