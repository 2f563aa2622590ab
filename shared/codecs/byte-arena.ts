/**
 * ByteArena: append-only byte storage in large chunks. Structures that keep many small byte
 * strings for a while (the memtable's keys and values, the raft log's recent entries) copy
 * them here and remember a (chunk, start, length) in number arrays instead of keeping an array
 * object per string: objects that live a second or more survive into V8's old generation, and
 * every young-generation GC copies them first. Chunks are numbered from 0 in append order;
 * bytes once written are never written again, so views of them stay valid after a chunk is
 * dropped (the view then keeps its chunk alive).
 */
import { assert } from '../assert.ts'

export class ByteArena {
  readonly chunkBytes: number
  #chunks: Uint8Array[] = []
  /** Number of the first chunk still held (chunks before it were dropped). */
  #base = 0
  /** Bytes used in the last chunk. */
  #used = 0
  /** Where the last append went: its chunk number and start. */
  lastChunk = 0
  lastStart = 0

  constructor(chunkBytes: number) {
    assert(chunkBytes > 0, 'chunkBytes must be positive')
    this.chunkBytes = chunkBytes
  }

  /** Copies `first` then `second` next to each other (a chunk of their own when larger). */
  append(first: Uint8Array, second?: Uint8Array): void {
    const bytes = first.length + (second?.length ?? 0)
    if (this.#chunks.length === 0 || this.#used + bytes > this.chunkBytes) {
      this.#chunks.push(new Uint8Array(Math.max(this.chunkBytes, bytes)))
      this.#used = 0
    }
    const chunk = this.#chunks[this.#chunks.length - 1]!
    chunk.set(first, this.#used)
    if (second !== undefined) chunk.set(second, this.#used + first.length)
    this.lastChunk = this.#base + this.#chunks.length - 1
    this.lastStart = this.#used
    this.#used += bytes
  }

  /** Chunk number `n` (held: not dropped), for reading bytes in place. */
  chunk(n: number): Uint8Array {
    return this.#chunks[n - this.#base]!
  }

  /** `length` bytes of chunk `n` from `start`, as a view. */
  view(n: number, start: number, length: number): Uint8Array {
    return this.chunk(n).subarray(start, start + length)
  }

  /** Lets go of the chunks numbered below `n`; the chunk being filled is always kept. */
  dropBefore(n: number): void {
    const drop = Math.min(n - this.#base, this.#chunks.length - 1)
    if (drop <= 0) return
    this.#chunks.splice(0, drop)
    this.#base += drop
  }

  /** Chunks held (for tests and memory checks). */
  get chunkCount(): number {
    return this.#chunks.length
  }
}
