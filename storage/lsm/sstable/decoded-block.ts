/**
 * A decoded block (the form the block cache holds): every entry expanded once into one buffer,
 * full key then value, back to back, and one Uint32Array of offsets that starts with a search
 * word per entry. A point lookup on a cached block then touches a few cache lines: the words
 * (4 bytes of each user key past the block's common prefix, so 32 entries fit in two lines), the
 * offsets of the entry found, and the entry itself, key and value adjacent. A get over a large
 * data set is bound by those cache misses, not by instructions.
 */
import { corruption } from '../../../shared/errors.ts'
import type { InternalIterator } from '../iterator.ts'
import type { ByteSlab } from '../byte-slab.ts'
import {
  compareInternalAt,
  compareUserKeyAt,
  kindAt,
  seqAt,
  timestampAt,
  TRAILER_BYTES,
  versionAt,
  type Kind,
} from '../internal-key.ts'

/** Bytes of a user key from `at`, big-endian, zero past its end (a u32 that sorts as bytes). */
export function wordAt(bytes: Uint8Array, start: number, userKeyBytes: number, at: number): number {
  let word = 0
  for (let j = at; j < at + 4; j++) word = (word << 8) | (j < userKeyBytes ? bytes[start + j]! : 0)
  return word >>> 0
}

export class DecodedBlock {
  readonly count: number
  /** Memory the block holds, for the cache's byte budget (iterator views included). */
  readonly chargeBytes: number
  /** Entry i: key, then value, at #data[start(i), start(i + 1)). */
  readonly #data: Uint8Array
  /**
   * [0, count): search words, user key bytes [prefix, prefix + 4) (wordAt; sorted like the keys);
   * then per entry i its start at count + 2i and its key length next to it; the entry ends where
   * the next starts (u[3 count] = data length).
   */
  readonly #u: Uint32Array
  /** Bytes every user key of the block starts with (entry 0 holds them). */
  readonly #prefixBytes: number

  #keys: Uint8Array[] | undefined
  #values: Uint8Array[] | undefined

  constructor(data: Uint8Array, u: Uint32Array) {
    this.count = (u.length - 1) / 3
    this.#data = data
    this.#u = u
    this.#prefixBytes = this.count === 0 ? 0 : this.#commonPrefix()
    for (let i = 0; i < this.count; i++) {
      u[i] = wordAt(data, u[this.count + 2 * i]!, this.#userKeyBytes(i), this.#prefixBytes)
    }
    this.chargeBytes = data.length + u.length * 4 + 128 + this.count * 96
  }

  /** The one buffer holding the block (offsets, then entries): a worker thread transfers it. */
  get buffer(): ArrayBuffer {
    return this.#u.buffer as ArrayBuffer
  }

  /** The block whose `buffer` (of `count` entries) another thread transferred here. */
  static fromBuffer(buffer: ArrayBuffer, count: number): DecodedBlock {
    const u = new Uint32Array(buffer, 0, 3 * count + 1)
    return new DecodedBlock(new Uint8Array(buffer, u.byteLength), u)
  }

  #userKeyBytes(i: number): number {
    return Math.max(0, this.#u[this.count + 2 * i + 1]! - TRAILER_BYTES)
  }

  /** Common prefix of the first and last user keys: sorted, so of all of them. */
  #commonPrefix(): number {
    const first = this.#u[this.count]!
    const last = this.#u[3 * this.count - 2]!
    const n = Math.min(this.#userKeyBytes(0), this.#userKeyBytes(this.count - 1))
    let p = 0
    while (p < n && this.#data[first + p] === this.#data[last + p]) p++
    return p
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
    const at = this.count + 2 * i
    const start = this.#u[at]!
    return this.#data.subarray(start, start + this.#u[at + 1]!)
  }

  #valueView(i: number): Uint8Array {
    const at = this.count + 2 * i
    return this.#data.subarray(this.#u[at]! + this.#u[at + 1]!, this.#u[at + 2]!)
  }

  /** Key i (a view; one allocation unless the views are already built). */
  keyAt(i: number): Uint8Array {
    return this.#keys?.[i] ?? this.#keyView(i)
  }

  valueAt(i: number): Uint8Array {
    return this.#values?.[i] ?? this.#valueView(i)
  }

  /** Where key i ends (its trailer's last byte is before it) and its value starts. */
  #keyEnd(i: number): number {
    const at = this.count + 2 * i
    return this.#u[at]! + this.#u[at + 1]!
  }

  seqAt(i: number): number {
    return seqAt(this.#data, this.#keyEnd(i))
  }

  timestampAt(i: number): number {
    return timestampAt(this.#data, this.#keyEnd(i))
  }

  versionAt(i: number): number {
    return versionAt(this.#data, this.#keyEnd(i))
  }

  kindAt(i: number): Kind {
    return kindAt(this.#data, this.#keyEnd(i))
  }

  /** True if value i is empty or starts with expiry 0 (entry-value.ts: never expires). */
  neverExpiresAt(i: number): boolean {
    const start = this.#keyEnd(i)
    return start === this.#u[this.count + 2 * i + 2] || this.#data[start] === 0
  }

  /**
   * A copy (from `slab`) of value i's payload when its expiry is one byte, the common case;
   * undefined otherwise (the caller decodes the value view). Never a view of this block.
   */
  copyPayloadAt(i: number, slab: ByteSlab): Uint8Array | undefined {
    const start = this.#keyEnd(i)
    const end = this.#u[this.count + 2 * i + 2]!
    if (start === end || this.#data[start]! >= 0x80) return undefined
    return slab.copy(this.#data, start + 1, end)
  }

  /** Index of the first key >= target in internal-key order (count if none). */
  lowerBound(target: Uint8Array): number {
    const u = this.#u
    const n = this.count
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const start = u[n + 2 * mid]!
      if (compareInternalAt(this.#data, start, start + u[n + 2 * mid + 1]!, target) < 0) {
        lo = mid + 1
      } else hi = mid
    }
    return lo
  }

  /**
   * Index of the first key whose user key is >= `userKey` (= lowerBound(seekKeyFor(userKey))):
   * the prefix, then a binary search over the words, then full keys only among equal words.
   */
  lowerBoundUser(userKey: Uint8Array): number {
    const u = this.#u
    const n = this.count
    const data = this.#data
    const prefix = this.#prefixBytes
    for (let j = 0; j < prefix; j++) {
      if (j === userKey.length) return 0
      const d = data[j]! - userKey[j]! // entry 0 starts the data
      if (d !== 0) return d > 0 ? 0 : n
    }
    const word = wordAt(userKey, 0, userKey.length, prefix)
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (u[mid]! < word) lo = mid + 1
      else hi = mid
    }
    if (lo === n || u[lo] !== word) return lo
    hi = lo + 1
    while (hi < n && u[hi] === word) hi++
    return this.#lowerBoundUserIn(userKey, lo, hi)
  }

  /**
   * Index of the first entry of `userKey`, or -1: a point lookup in the block an index search
   * chose. Only the words, one entry's offsets and that entry are read: a key without the block's
   * prefix fails the final comparison (a block-relative word can still match by chance).
   */
  findUser(userKey: Uint8Array): number {
    const u = this.#u
    const n = this.count
    const word = wordAt(userKey, 0, userKey.length, this.#prefixBytes)
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (u[mid]! < word) lo = mid + 1
      else hi = mid
    }
    if (lo === n || u[lo] !== word) return -1
    hi = lo + 1
    while (hi < n && u[hi] === word) hi++
    const at = hi === lo + 1 ? lo : this.#lowerBoundUserIn(userKey, lo, hi)
    return at < hi && this.hasUserKeyAt(at, userKey) ? at : -1
  }

  /** lowerBoundUser by full comparisons within [lo, hi), where the words equal the target's. */
  #lowerBoundUserIn(userKey: Uint8Array, lo: number, hi: number): number {
    const u = this.#u
    const n = this.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const start = u[n + 2 * mid]!
      if (compareUserKeyAt(this.#data, start, start + u[n + 2 * mid + 1]!, userKey) < 0) {
        lo = mid + 1
      } else hi = mid
    }
    return lo
  }

  /** True if key i's user key equals `userKey`. */
  hasUserKeyAt(i: number, userKey: Uint8Array): boolean {
    const at = this.count + 2 * i
    const start = this.#u[at]!
    if (this.#u[at + 1]! - TRAILER_BYTES !== userKey.length) return false
    const data = this.#data
    for (let j = 0; j < userKey.length; j++) if (data[start + j] !== userKey[j]) return false
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

/** Pass 1: checks every entry's bounds; the entry count and the bytes they expand to. */
function sizeEntries(r: EntryReader, end: number): { count: number; bytes: number } {
  let count = 0
  let bytes = 0
  let last = 0
  while (r.offset < end) {
    const shared = r.varint()
    const unshared = r.varint()
    const valueLength = r.varint()
    if (shared > last || r.offset + unshared + valueLength > end) {
      throw r.bad('entry out of bounds')
    }
    r.offset += unshared + valueLength
    last = shared + unshared
    bytes += last + valueLength
    count++
  }
  return { count, bytes }
}

/** Expands a block; `path` and `at` name it in a corruption error. */
export function decodeBlock(bytes: Uint8Array, path: string, at: number): DecodedBlock {
  const block = bytes
  const bad = (what: string): Error => corruption(path, at, `${what} in block`)
  if (block.length < 4) throw bad('short block')
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength)
  const restartCount = view.getUint32(block.length - 4, true)
  const entriesEnd = block.length - 4 - 4 * restartCount
  if (restartCount === 0 || entriesEnd < 0) throw bad('bad restart count')
  const r = new EntryReader(block, entriesEnd, bad)
  const { count, bytes: total } = sizeEntries(r, entriesEnd)
  // Pass 2: expand (byte loops: keys and small values are short, views cost more).
  // One allocation: the offsets, then the entries (a lookup's cache lines share pages).
  const buffer = new ArrayBuffer(4 * (3 * count + 1) + total)
  const u = new Uint32Array(buffer, 0, 3 * count + 1)
  const data = new Uint8Array(buffer, u.byteLength, total)
  r.offset = 0
  let out = 0
  let previous = 0
  for (let i = 0; i < count; i++) {
    const shared = r.varint()
    const unshared = r.varint()
    const valueLength = r.varint()
    u[count + 2 * i] = out
    u[count + 2 * i + 1] = shared + unshared
    for (let j = 0; j < shared; j++) data[out + j] = data[previous + j]!
    previous = out
    out += shared
    for (let j = 0; j < unshared; j++) data[out + j] = block[r.offset + j]!
    out += unshared
    r.offset += unshared
    if (valueLength <= 64) {
      for (let j = 0; j < valueLength; j++) data[out + j] = block[r.offset + j]!
    } else data.set(block.subarray(r.offset, r.offset + valueLength), out)
    out += valueLength
    r.offset += valueLength
  }
  u[3 * count] = out
  return new DecodedBlock(data, u)
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
