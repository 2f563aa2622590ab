/**
 * Blocks: prefix-compressed sorted entries with restart points (layout in format.ts). The builder
 * streams entries in; the decoder expands a whole block into key and value arrays once, and the
 * decoded block is what the block cache holds, so a cached get is two binary searches.
 */
import { assert } from '../../../shared/assert.ts'
import { corruption } from '../../../shared/errors.ts'
import type { InternalIterator } from '../iterator.ts'
import { compareInternalAt, compareUserKeyAt, TRAILER_BYTES } from '../internal-key.ts'
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
  /** Entries written so far, in one growable buffer (no allocation per entry). */
  #bytes: Uint8Array
  #size = 0
  #restarts: number[] = []
  #last: Uint8Array = new Uint8Array(0)
  #sinceRestart = 0
  #count = 0
  #finished = false

  constructor(capacityBytes = 8 * 1024) {
    this.#bytes = new Uint8Array(Math.max(64, capacityBytes))
  }

  get count(): number {
    return this.#count
  }

  /** Starts a new block in the same buffer (the last finish() view is overwritten). */
  reset(): void {
    this.#size = 0
    this.#restarts = []
    this.#last = new Uint8Array(0)
    this.#sinceRestart = 0
    this.#count = 0
    this.#finished = false
  }

  /** Bytes the finished block will take. */
  get estimatedBytes(): number {
    return this.#size + 4 * this.#restarts.length + 4
  }

  #reserve(bytes: number): void {
    const needed = this.#size + bytes
    if (needed <= this.#bytes.length) return
    let capacity = this.#bytes.length * 2
    while (capacity < needed) capacity *= 2
    const grown = new Uint8Array(capacity)
    grown.set(this.#bytes.subarray(0, this.#size))
    this.#bytes = grown
  }

  #varint(value: number): void {
    const bytes = this.#bytes
    while (value >= 0x80) {
      bytes[this.#size++] = (value & 0x7f) | 0x80
      value = Math.floor(value / 0x80)
    }
    bytes[this.#size++] = value
  }

  add(key: Uint8Array, value: Uint8Array): void {
    assert(!this.#finished, 'block already finished')
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
    this.#reserve(head + unshared + value.length)
    this.#varint(shared)
    this.#varint(unshared)
    this.#varint(value.length)
    const bytes = this.#bytes
    let at = this.#size
    for (let i = shared; i < key.length; i++) bytes[at++] = key[i]!
    bytes.set(value, at)
    this.#size = at + value.length
    this.#last = key
    this.#sinceRestart++
    this.#count++
  }

  /** The block bytes (a view of the builder's buffer; the builder takes no more entries). */
  finish(): Uint8Array {
    assert(this.#count > 0, 'empty block')
    this.#finished = true
    const total = this.estimatedBytes
    this.#reserve(total - this.#size)
    const view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, total)
    let at = this.#size
    for (const restart of this.#restarts) {
      view.setUint32(at, restart, true)
      at += 4
    }
    view.setUint32(at, this.#restarts.length, true)
    return this.#bytes.subarray(0, total)
  }
}

/**
 * A decoded block: the full keys back to back in one buffer with offset tables, values as
 * ranges of the checked block bytes. A few typed arrays per block instead of two per entry, so
 * a block-cache miss allocates little and point lookups search it without allocating.
 * Per-entry views (`keys`, `values`) are built on first use, for iterators.
 */
export class DecodedBlock {
  readonly count: number
  /** Memory the block holds, for the cache's byte budget (the decoded views included). */
  readonly chargeBytes: number
  readonly #raw: Uint8Array
  readonly #keyBytes: Uint8Array
  /**
   * One table for locality: key i is #keyBytes[o[i], o[i + 1]) for i < count; value i is
   * #raw[o[count + 1 + i], + o[2 * count + 1 + i] bytes).
   */
  readonly #offsets: Uint32Array

  #keys: Uint8Array[] | undefined
  #values: Uint8Array[] | undefined

  constructor(raw: Uint8Array, keyBytes: Uint8Array, offsets: Uint32Array) {
    this.count = (offsets.length - 1) / 3
    this.#raw = raw
    this.#keyBytes = keyBytes
    this.#offsets = offsets
    this.chargeBytes = raw.length * 2 + this.count * 96
  }

  /** Every key as its own view (built once; iterators and tests). */
  get keys(): readonly Uint8Array[] {
    this.#keys ??= Array.from({ length: this.count }, (_, i) => this.#keyView(i))
    return this.#keys
  }

  get values(): readonly Uint8Array[] {
    this.#values ??= Array.from({ length: this.count }, (_, i) => this.#valueView(i))
    return this.#values
  }

  #keyView(i: number): Uint8Array {
    return this.#keyBytes.subarray(this.#offsets[i]!, this.#offsets[i + 1]!)
  }

  #valueView(i: number): Uint8Array {
    const at = this.count + 1 + i
    const start = this.#offsets[at]!
    return this.#raw.subarray(start, start + this.#offsets[at + this.count]!)
  }

  /** Key i (a view; one allocation unless the views are already built). */
  keyAt(i: number): Uint8Array {
    return this.#keys?.[i] ?? this.#keyView(i)
  }

  valueAt(i: number): Uint8Array {
    return this.#values?.[i] ?? this.#valueView(i)
  }

  /** Index of the first key >= target in internal-key order (count if none). */
  lowerBound(target: Uint8Array): number {
    const bytes = this.#keyBytes
    const starts = this.#offsets
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareInternalAt(bytes, starts[mid]!, starts[mid + 1]!, target) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Index of the first key whose user key is >= `userKey` (= lowerBound(seekKeyFor(userKey))). */
  lowerBoundUser(userKey: Uint8Array): number {
    const bytes = this.#keyBytes
    const starts = this.#offsets
    let lo = 0
    let hi = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareUserKeyAt(bytes, starts[mid]!, starts[mid + 1]!, userKey) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** True if key i's user key equals `userKey`. */
  hasUserKeyAt(i: number, userKey: Uint8Array): boolean {
    const start = this.#offsets[i]!
    const end = this.#offsets[i + 1]!
    if (end - start - TRAILER_BYTES !== userKey.length) return false
    const bytes = this.#keyBytes
    for (let j = 0; j < userKey.length; j++) if (bytes[start + j] !== userKey[j]) return false
    return true
  }
}

/** Varint reader over a block's entries, failing with the block's corruption error. */
class EntryReader {
  offset = 0
  constructor(
    readonly block: Uint8Array,
    readonly end: number,
    readonly bad: (what: string) => Error,
  ) {}

  varint(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      if (this.offset >= this.end) throw this.bad('truncated entry')
      const byte = this.block[this.offset++]!
      result += (byte & 0x7f) * scale
      if (byte < 0x80) return result
      scale *= 0x80
    }
    throw this.bad('bad varint')
  }
}

/** Expands a block; `path` and `at` name it in a corruption error. */
export function decodeBlock(bytes: Uint8Array, path: string, at: number): DecodedBlock {
  // A plain view (not a Buffer): views of it handed to readers are cheaper to make.
  const block = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
  const bad = (what: string): Error => corruption(path, at, `${what} in block`)
  if (block.length < 4) throw bad('short block')
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength)
  const restartCount = view.getUint32(block.length - 4, true)
  const entriesEnd = block.length - 4 - 4 * restartCount
  if (restartCount === 0 || entriesEnd < 0) throw bad('bad restart count')
  // Pass 1: check every entry and size the key buffer.
  const r = new EntryReader(block, entriesEnd, bad)
  let count = 0
  let keyTotal = 0
  let last = 0
  while (r.offset < entriesEnd) {
    const shared = r.varint()
    const unshared = r.varint()
    const valueLength = r.varint()
    if (shared > last || r.offset + unshared + valueLength > entriesEnd) {
      throw bad('entry out of bounds')
    }
    r.offset += unshared + valueLength
    last = shared + unshared
    keyTotal += last
    count++
  }
  // Pass 2: expand keys into one buffer (byte loops: keys are short, views cost more).
  const keyBytes = new Uint8Array(keyTotal)
  const offsets = new Uint32Array(3 * count + 1)
  r.offset = 0
  let out = 0
  for (let i = 0; i < count; i++) {
    const shared = r.varint()
    const unshared = r.varint()
    const valueLength = r.varint()
    const previous = i === 0 ? 0 : offsets[i - 1]!
    offsets[i] = out
    for (let j = 0; j < shared; j++) keyBytes[out + j] = keyBytes[previous + j]!
    out += shared
    for (let j = 0; j < unshared; j++) keyBytes[out + j] = block[r.offset + j]!
    out += unshared
    r.offset += unshared
    offsets[count + 1 + i] = r.offset
    offsets[2 * count + 1 + i] = valueLength
    r.offset += valueLength
  }
  offsets[count] = out
  return new DecodedBlock(block, keyBytes, offsets)
}

export class BlockIterator implements InternalIterator {
  readonly #block: DecodedBlock
  readonly #keys: readonly Uint8Array[]
  readonly #values: readonly Uint8Array[]
  #i = -1

  constructor(block: DecodedBlock) {
    this.#block = block
    this.#keys = block.keys
    this.#values = block.values
  }

  valid(): boolean {
    return this.#i >= 0 && this.#i < this.#keys.length
  }
  key(): Uint8Array {
    return this.#keys[this.#i]!
  }
  value(): Uint8Array {
    return this.#values[this.#i]!
  }
  seekGE(target: Uint8Array): void {
    this.#i = this.#block.lowerBound(target)
  }
  seekLT(target: Uint8Array): void {
    this.#i = this.#block.lowerBound(target) - 1
  }
  first(): void {
    this.#i = 0
  }
  last(): void {
    this.#i = this.#keys.length - 1
  }
  next(): void {
    this.#i++
  }
  prev(): void {
    this.#i--
  }
}
