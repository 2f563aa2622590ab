/**
 * Blocks: prefix-compressed sorted entries with restart points (layout in format.ts). The builder
 * streams entries in; the decoder expands a whole block into key and value arrays once, and the
 * decoded block is what the block cache holds, so a cached get is two binary searches.
 */
import { assert } from '../../../shared/assert.ts'
import { corruption } from '../../../shared/errors.ts'
import type { InternalIterator } from '../iterator.ts'
import { RESTART_INTERVAL } from './format.ts'

function varintLength(value: number): number {
  let n = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    n++
  }
  return n
}

export class BlockBuilder {
  #chunks: Uint8Array[] = []
  #size = 0
  #restarts: number[] = []
  #last: Uint8Array = new Uint8Array(0)
  #sinceRestart = 0
  #count = 0

  get count(): number {
    return this.#count
  }

  /** Bytes the finished block will take. */
  get estimatedBytes(): number {
    return this.#size + 4 * this.#restarts.length + 4
  }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0
    if (this.#sinceRestart === RESTART_INTERVAL || this.#count === 0) {
      this.#restarts.push(this.#size)
      this.#sinceRestart = 0
    } else {
      const n = Math.min(key.length, this.#last.length)
      while (shared < n && key[shared] === this.#last[shared]) shared++
    }
    const unshared = key.length - shared
    const head = varintLength(shared) + varintLength(unshared) + varintLength(value.length)
    const entry = new Uint8Array(head + unshared + value.length)
    let at = 0
    for (const v of [shared, unshared, value.length]) {
      let x = v
      while (x >= 0x80) {
        entry[at++] = (x & 0x7f) | 0x80
        x = Math.floor(x / 0x80)
      }
      entry[at++] = x
    }
    entry.set(key.subarray(shared), at)
    entry.set(value, at + unshared)
    this.#chunks.push(entry)
    this.#size += entry.length
    this.#last = key
    this.#sinceRestart++
    this.#count++
  }

  finish(): Uint8Array {
    assert(this.#count > 0, 'empty block')
    const out = new Uint8Array(this.estimatedBytes)
    let at = 0
    for (const chunk of this.#chunks) {
      out.set(chunk, at)
      at += chunk.length
    }
    const view = new DataView(out.buffer)
    for (const restart of this.#restarts) {
      view.setUint32(at, restart, true)
      at += 4
    }
    view.setUint32(at, this.#restarts.length, true)
    return out
  }
}

export interface DecodedBlock {
  readonly keys: Uint8Array[]
  readonly values: Uint8Array[]
  /** Memory the block holds, for the cache's byte budget. */
  readonly chargeBytes: number
}

/** Expands a block; `path` and `at` name it in a corruption error. */
export function decodeBlock(block: Uint8Array, path: string, at: number): DecodedBlock {
  const bad = (what: string): Error => corruption(path, at, `${what} in block`)
  if (block.length < 4) throw bad('short block')
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength)
  const restartCount = view.getUint32(block.length - 4, true)
  const entriesEnd = block.length - 4 - 4 * restartCount
  if (restartCount === 0 || entriesEnd < 0) throw bad('bad restart count')
  const keys: Uint8Array[] = []
  const values: Uint8Array[] = []
  let offset = 0
  let last = new Uint8Array(0)
  const readVarint = (): number => {
    let result = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      if (offset >= entriesEnd) throw bad('truncated entry')
      const byte = block[offset++]!
      result += (byte & 0x7f) * scale
      if (byte < 0x80) return result
      scale *= 0x80
    }
    throw bad('bad varint')
  }
  while (offset < entriesEnd) {
    const shared = readVarint()
    const unshared = readVarint()
    const valueLength = readVarint()
    if (shared > last.length || offset + unshared + valueLength > entriesEnd) {
      throw bad('entry out of bounds')
    }
    const key = new Uint8Array(shared + unshared)
    key.set(last.subarray(0, shared), 0)
    key.set(block.subarray(offset, offset + unshared), shared)
    offset += unshared
    values.push(block.subarray(offset, offset + valueLength))
    offset += valueLength
    keys.push(key)
    last = key
  }
  return { keys, values, chargeBytes: block.length * 2 + keys.length * 96 }
}

export type Compare = (a: Uint8Array, b: Uint8Array) => number

/** Index of the first key >= target in sorted `keys` (keys.length if none). */
export function lowerBound(keys: readonly Uint8Array[], target: Uint8Array, cmp: Compare): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cmp(keys[mid]!, target) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

export class BlockIterator implements InternalIterator {
  readonly #block: DecodedBlock
  readonly #cmp: Compare
  #i = -1

  constructor(block: DecodedBlock, cmp: Compare) {
    this.#block = block
    this.#cmp = cmp
  }

  valid(): boolean {
    return this.#i >= 0 && this.#i < this.#block.keys.length
  }
  key(): Uint8Array {
    return this.#block.keys[this.#i]!
  }
  value(): Uint8Array {
    return this.#block.values[this.#i]!
  }
  seekGE(target: Uint8Array): void {
    this.#i = lowerBound(this.#block.keys, target, this.#cmp)
  }
  seekLT(target: Uint8Array): void {
    this.#i = lowerBound(this.#block.keys, target, this.#cmp) - 1
  }
  first(): void {
    this.#i = 0
  }
  last(): void {
    this.#i = this.#block.keys.length - 1
  }
  next(): void {
    this.#i++
  }
  prev(): void {
    this.#i--
  }
}
