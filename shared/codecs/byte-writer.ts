/**
 * ByteWriter: a growable little-endian writer over Uint8Array with explicit widths
 * (STYLE.md R16). Varints are unsigned LEB128, up to 2^53 - 1.
 */
import { assert } from '../assert.ts'

export class ByteWriter {
  #bytes: Uint8Array
  #view: DataView
  #length = 0

  constructor(capacityBytes = 256) {
    assert(capacityBytes > 0, 'capacity must be positive')
    this.#bytes = new Uint8Array(capacityBytes)
    this.#view = new DataView(this.#bytes.buffer)
  }

  get length(): number {
    return this.#length
  }

  #reserve(bytes: number): void {
    const needed = this.#length + bytes
    if (needed <= this.#bytes.length) return
    let capacity = this.#bytes.length * 2
    while (capacity < needed) capacity *= 2
    const grown = new Uint8Array(capacity)
    grown.set(this.#bytes.subarray(0, this.#length))
    this.#bytes = grown
    this.#view = new DataView(grown.buffer)
  }

  writeU8(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xff, 'u8 out of range')
    this.#reserve(1)
    this.#bytes[this.#length++] = value
    return this
  }

  writeU16(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffff, 'u16 out of range')
    this.#reserve(2)
    this.#view.setUint16(this.#length, value, true)
    this.#length += 2
    return this
  }

  writeU32(value: number): this {
    assert(Number.isInteger(value) && value >= 0 && value <= 0xffffffff, 'u32 out of range')
    this.#reserve(4)
    this.#view.setUint32(this.#length, value, true)
    this.#length += 4
    return this
  }

  /** Writes a safe integer as u64. */
  writeU64(value: number): this {
    assert(Number.isSafeInteger(value) && value >= 0, 'u64 must be a non-negative safe integer')
    this.#reserve(8)
    this.#view.setBigUint64(this.#length, BigInt(value), true)
    this.#length += 8
    return this
  }

  writeBigU64(value: bigint): this {
    assert(value >= 0n && value <= 0xffffffffffffffffn, 'u64 out of range')
    this.#reserve(8)
    this.#view.setBigUint64(this.#length, value, true)
    this.#length += 8
    return this
  }

  writeVarint(value: number): this {
    assert(Number.isSafeInteger(value) && value >= 0, 'varint must be a non-negative safe integer')
    this.#reserve(8)
    let rest = value
    while (rest >= 0x80) {
      this.#bytes[this.#length++] = (rest % 0x80) | 0x80
      rest = Math.floor(rest / 0x80)
    }
    this.#bytes[this.#length++] = rest
    return this
  }

  writeBytes(bytes: Uint8Array): this {
    this.#reserve(bytes.length)
    this.#bytes.set(bytes, this.#length)
    this.#length += bytes.length
    return this
  }

  /** Varint length followed by the bytes. */
  writeLengthPrefixed(bytes: Uint8Array): this {
    this.writeVarint(bytes.length)
    return this.writeBytes(bytes)
  }

  /** Overwrites a u32 at an earlier position (e.g. a length or checksum placeholder). */
  patchU32(position: number, value: number): this {
    assert(position >= 0 && position + 4 <= this.#length, 'patch out of range')
    this.#view.setUint32(position, value >>> 0, true)
    return this
  }

  /** A view of the written bytes; valid until the next write. */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length)
  }

  /** A copy the caller owns. */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length)
  }

  reset(): void {
    this.#length = 0
  }
}
