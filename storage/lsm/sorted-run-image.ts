/**
 * SortedRunImage: an immutable memtable's skip list as its shared arrays (skiplist.ts keeps them
 * in SharedArrayBuffers), so a flush on a worker thread walks it in place: posting the image
 * shares the memory, nothing is copied, and the memtable stays readable here until the table
 * is installed. Nothing writes to an immutable memtable, so no reader sees a change.
 */

export interface SortedRunImage {
  /** Arena chunks: each node's key bytes, then its value bytes. */
  readonly chunks: readonly Uint8Array[]
  /** Per node: arena chunk, start in it, key length, value length, first tower slot. */
  readonly chunkOf: Int32Array
  readonly startOf: Int32Array
  readonly lengthOf: Int32Array
  readonly valueLengthOf: Int32Array
  readonly towerOf: Int32Array
  /** Forward pointers; a node's level-0 successor is towers[towerOf[node]], 0 for none. */
  readonly towers: Int32Array
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
  #node = 0

  constructor(image: SortedRunImage) {
    this.#image = image
  }

  first(): void {
    this.#node = this.#image.towers[this.#image.towerOf[0]!]! // node 0 is the head
  }

  valid(): boolean {
    return this.#node !== 0
  }

  next(): void {
    this.#node = this.#image.towers[this.#image.towerOf[this.#node]!]!
  }

  key(): Uint8Array {
    const m = this.#image
    const start = m.startOf[this.#node]!
    return m.chunks[m.chunkOf[this.#node]!]!.subarray(start, start + m.lengthOf[this.#node]!)
  }

  value(): Uint8Array {
    const m = this.#image
    const node = this.#node
    const start = m.startOf[node]! + m.lengthOf[node]!
    return m.chunks[m.chunkOf[node]!]!.subarray(start, start + m.valueLengthOf[node]!)
  }
}
