/**
 * ByteSlab: small byte copies carved out of shared buffers, as Node's Buffer pool does. V8
 * allocates a typed array over 64 bytes outside the heap (a malloc plus external-memory
 * bookkeeping, about 1 µs), which was the largest single cost of a cached get; a view into a
 * slab costs tens of nanoseconds. A copy shares its ArrayBuffer with other copies: read it
 * through `byteOffset`/`byteLength` (every `Uint8Array` API does). A live copy keeps its slab
 * (`limits.lsmSlabBytes`) alive, so copies over `limits.lsmSlabCopyBytesMax` get their own.
 */
import { assert } from '../../shared/assert.ts'
import { limits } from '../../shared/limits.ts'

const SHORT_COPY_BYTES = 128

export class ByteSlab {
  readonly #slabBytes: number
  readonly #copyBytesMax: number
  #slab: ArrayBuffer
  #used = 0

  constructor(slabBytes = limits.lsmSlabBytes, copyBytesMax = limits.lsmSlabCopyBytesMax) {
    assert(copyBytesMax <= slabBytes, 'slab copy limit must fit in a slab')
    this.#slabBytes = slabBytes
    this.#copyBytesMax = copyBytesMax
    this.#slab = new ArrayBuffer(slabBytes)
  }

  /** A fresh zeroed array of `length` bytes (slab space is never handed out twice). */
  alloc(length: number): Uint8Array {
    if (length > this.#copyBytesMax) return new Uint8Array(length)
    if (this.#used + length > this.#slabBytes) {
      this.#slab = new ArrayBuffer(this.#slabBytes)
      this.#used = 0
    }
    const out = new Uint8Array(this.#slab, this.#used, length)
    // 8-byte aligned starts, as Buffer's pool, so callers may lay DataViews over copies.
    this.#used = (this.#used + length + 7) & ~7
    return out
  }

  /** A copy of `source[start, end)` (independent of `source`). */
  copy(source: Uint8Array, start = 0, end = source.length): Uint8Array {
    const out = this.alloc(end - start)
    // Short copies by hand: a subarray view for set() costs more than the loop.
    if (end - start <= SHORT_COPY_BYTES)
      for (let i = start; i < end; i++) out[i - start] = source[i]!
    else out.set(source.subarray(start, end))
    return out
  }
}
