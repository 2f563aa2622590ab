/**
 * ByteReader: a bounds-checked little-endian cursor. Running past the end throws a typed
 * `corruption` ShoalError naming the source and offset, never a RangeError or garbage.
 */
import { ShoalError } from '../errors.ts'

export class ByteReader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  readonly #source: string
  #offset = 0

  constructor(bytes: Uint8Array, source = 'buffer') {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.#source = source
  }

  get offset(): number {
    return this.#offset
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset
  }

  #need(bytes: number): void {
    if (bytes < 0 || this.#offset + bytes > this.#bytes.length) {
      throw new ShoalError(
        'corruption',
        `truncated ${this.#source}: need ${bytes} bytes at offset ${this.#offset}, ` +
          `have ${this.remaining}`,
      )
    }
  }

  readU8(): number {
    this.#need(1)
    return this.#bytes[this.#offset++]!
  }

  readU16(): number {
    this.#need(2)
    const value = this.#view.getUint16(this.#offset, true)
    this.#offset += 2
    return value
  }

  readU32(): number {
    this.#need(4)
    const value = this.#view.getUint32(this.#offset, true)
    this.#offset += 4
    return value
  }

  /** Reads a u64 and requires it to be a safe integer. */
  readU64(): number {
    this.#need(8)
    const value = this.#view.getBigUint64(this.#offset, true)
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ShoalError('corruption', `u64 too large in ${this.#source} at ${this.#offset}`)
    }
    this.#offset += 8
    return Number(value)
  }

  readBigU64(): bigint {
    this.#need(8)
    const value = this.#view.getBigUint64(this.#offset, true)
    this.#offset += 8
    return value
  }

  readVarint(): number {
    let result = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const byte = this.readU8()
      result += (byte & 0x7f) * scale
      if (byte < 0x80) {
        if (!Number.isSafeInteger(result)) break
        return result
      }
      scale *= 0x80
    }
    throw new ShoalError('corruption', `bad varint in ${this.#source} at ${this.#offset}`)
  }

  /** A view (not a copy) of the next `length` bytes. */
  readBytes(length: number): Uint8Array {
    this.#need(length)
    const view = this.#bytes.subarray(this.#offset, this.#offset + length)
    this.#offset += length
    return view
  }

  readLengthPrefixed(): Uint8Array {
    return this.readBytes(this.readVarint())
  }

  skip(length: number): void {
    this.#need(length)
    this.#offset += length
  }
}
