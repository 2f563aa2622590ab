/**
 * SortedRunImage: an immutable memtable's entries in key order as plain buffers, so a worker
 * thread can write them as a table. Posting it copies the buffers (structured clone); the
 * memtable itself stays here, readable, until the table is installed.
 */

export interface SortedRunImage {
  /** The skip list's arena chunks (key bytes then value bytes per entry). */
  readonly chunks: readonly Uint8Array[]
  /** Per entry in key order, four numbers: chunk, start, key length, value length. */
  readonly entries: Int32Array
}

/** Forward iteration over an image (the subset of InternalIterator a table writer needs). */
export interface ForwardIterator {
  first(): void
  valid(): boolean
  next(): void
  key(): Uint8Array
  value(): Uint8Array
}

export class SortedRunCursor implements ForwardIterator {
  readonly #image: SortedRunImage
  readonly #count: number
  #i = 0

  constructor(image: SortedRunImage) {
    this.#image = image
    this.#count = image.entries.length / 4
  }

  first(): void {
    this.#i = 0
  }

  valid(): boolean {
    return this.#i < this.#count
  }

  next(): void {
    this.#i++
  }

  key(): Uint8Array {
    const e = this.#image.entries
    const at = 4 * this.#i
    const start = e[at + 1]!
    return this.#image.chunks[e[at]!]!.subarray(start, start + e[at + 2]!)
  }

  value(): Uint8Array {
    const e = this.#image.entries
    const at = 4 * this.#i
    const start = e[at + 1]! + e[at + 2]!
    return this.#image.chunks[e[at]!]!.subarray(start, start + e[at + 3]!)
  }
}
