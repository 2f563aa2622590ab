/**
 * BlockBuilder: prefix-compressed sorted entries with restart points (layout in format.ts),
 * streamed into one growable buffer. Reading expands a whole block once (decoded-block.ts).
 */
import { assert } from '../../../shared/assert.ts'
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
