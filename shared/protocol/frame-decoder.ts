/**
 * FrameDecoder: turns a TCP byte stream, cut at arbitrary chunk boundaries, into frames
 * (layout in frame.ts). Sans-I/O: the connection pushes chunks and pulls frames.
 *
 * Bytes are kept as a list of the chunks received. A frame inside one chunk is returned as a
 * subarray of it (no copy). Only a frame that spans chunks is copied, once, when its last byte
 * has arrived, so a large frame arriving in many small chunks costs O(size), not O(size^2).
 *
 * Refusals are ShoalErrors: `too-large` as soon as a length over frameBytesMax is seen (before
 * its body is buffered), `protocol` for a checksum mismatch (checked first), an unknown kind,
 * non-zero flags or a field rule broken. After a refusal the decoder is poisoned: the stream has
 * lost its framing, so every later call throws the same error and the caller closes.
 */
import { assert } from '../assert.ts'
import { crc32c } from '../codecs/crc32c.ts'
import { ShoalError } from '../errors.ts'
import { frameFieldProblem, frameHeaderBytes, frameOverheadBytes, type Frame } from './frame.ts'
import { isFrameKind } from './message-kind.ts'

export class FrameDecoder {
  readonly #frameBytesMax: number
  /**
   * Unconsumed bytes in arrival order: chunks[#chunkIndex] from #headOffset on, then the later
   * chunks whole. Chunks before #chunkIndex are consumed (an index-shifted queue, no shift()).
   */
  #chunks: Uint8Array[] = []
  #chunkIndex = 0
  #headOffset = 0
  /** Invariant: sum of chunk lengths minus #headOffset. */
  #bufferedBytes = 0
  #failure: ShoalError | null = null

  constructor(options: { frameBytesMax: number }) {
    assert(options.frameBytesMax >= frameOverheadBytes, 'frameBytesMax below the frame overhead')
    assert(options.frameBytesMax <= 0xffffffff, 'frameBytesMax must fit a u32')
    this.#frameBytesMax = options.frameBytesMax
  }

  /** Bytes received and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#bufferedBytes
  }

  /** Takes ownership of `chunk` (it is viewed, not copied, so the caller must not reuse it). */
  push(chunk: Uint8Array): void {
    if (this.#failure !== null) throw this.#failure
    if (chunk.length === 0) return
    this.#chunks.push(chunk)
    this.#bufferedBytes += chunk.length
  }

  /** The next complete frame, or null when more bytes are needed. Throws on a bad frame. */
  next(): Frame | null {
    if (this.#failure !== null) throw this.#failure
    if (this.#bufferedBytes < 4) return null
    const head = this.#contiguous(4)
    const bodyBytes = readU32(head.bytes, head.offset)
    const frameBytes = frameOverheadBytes + bodyBytes
    if (frameBytes > this.#frameBytesMax) {
      return this.#fail(
        'too-large',
        `frame of ${frameBytes} bytes is over the limit of ${this.#frameBytesMax} bytes`,
      )
    }
    if (this.#bufferedBytes < frameBytes) return null
    const whole = this.#contiguous(frameBytes)
    const frame = whole.bytes.subarray(whole.offset, whole.offset + frameBytes)
    this.#consume(frameBytes)
    return this.#parse(frame)
  }

  /** Verifies the checksum, then the kind and fields; `frame` is exactly one frame. */
  #parse(frame: Uint8Array): Frame {
    const checksumOffset = frame.length - 4
    const expected = readU32(frame, checksumOffset)
    const actual = crc32c(frame.subarray(0, checksumOffset))
    if (actual !== expected) {
      return this.#fail(
        'protocol',
        `frame checksum mismatch: stored 0x${hex32(expected)}, computed 0x${hex32(actual)}`,
      )
    }
    const kind = frame[4]!
    const flags = frame[5]!
    if (!isFrameKind(kind)) return this.#fail('protocol', `unknown frame kind ${kind}`)
    if (flags !== 0) return this.#fail('protocol', `frame flags 0x${flags.toString(16)} not 0`)
    const header = { kind, requestId: readU32(frame, 6), deadlineMs: readU32(frame, 10) }
    const problem = frameFieldProblem(header)
    if (problem !== null) return this.#fail('protocol', problem)
    return { ...header, body: frame.subarray(frameHeaderBytes, checksumOffset) }
  }

  /**
   * Makes the first `bytes` buffered bytes contiguous and returns where they are. Copies only
   * when they span chunks: all buffered chunks are merged into one (at most one frame plus
   * whatever followed it in the last chunk).
   */
  #contiguous(bytes: number): { bytes: Uint8Array; offset: number } {
    assert(bytes <= this.#bufferedBytes, 'contiguous beyond the buffered bytes')
    const first = this.#chunks[this.#chunkIndex]!
    if (first.length - this.#headOffset >= bytes) return { bytes: first, offset: this.#headOffset }
    const merged = new Uint8Array(this.#bufferedBytes) // copy: the frame spans chunks
    let position = 0
    for (let index = this.#chunkIndex; index < this.#chunks.length; index++) {
      const chunk = this.#chunks[index]!
      const part = index === this.#chunkIndex ? chunk.subarray(this.#headOffset) : chunk
      merged.set(part, position)
      position += part.length
    }
    assert(position === this.#bufferedBytes, 'merged length mismatch')
    this.#chunks = [merged]
    this.#chunkIndex = 0
    this.#headOffset = 0
    return { bytes: merged, offset: 0 }
  }

  /** Drops `bytes` from the front; they lie within the first chunk (see #contiguous). */
  #consume(bytes: number): void {
    const first = this.#chunks[this.#chunkIndex]!
    assert(this.#headOffset + bytes <= first.length, 'consume beyond the first chunk')
    this.#headOffset += bytes
    this.#bufferedBytes -= bytes
    if (this.#headOffset < first.length) return
    this.#headOffset = 0
    this.#chunkIndex++
    if (this.#chunkIndex === this.#chunks.length) {
      this.#chunks = []
      this.#chunkIndex = 0
    }
  }

  #fail(code: 'protocol' | 'too-large', message: string): never {
    this.#failure = new ShoalError(code, message)
    this.#chunks = []
    this.#chunkIndex = 0
    this.#headOffset = 0
    this.#bufferedBytes = 0
    throw this.#failure
  }
}

function readU32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16)) +
    bytes[offset + 3]! * 0x1000000
  )
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0')
}
