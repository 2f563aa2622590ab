/**
 * TableWriter: sorted (internal key, entry value) pairs in, an SSTable out (format.ts). It
 * streams: each data block is appended to the file as soon as it reaches the block size, so
 * memory stays one block plus the index and the bloom hashes.
 */
import { assert, INVARIANTS } from '../../../shared/assert.ts'
import { crc32c } from '../../../shared/codecs/crc32c.ts'
import { ByteWriter } from '../../../shared/codecs/byte-writer.ts'
import type { WritableFile } from '../../vfs/vfs.ts'
import { decodePointer } from '../entry-value.ts'
import {
  compareInternal,
  compareUserKeys,
  Kind,
  kindOf,
  seqOf,
  timestampOf,
  TRAILER_BYTES,
  versionOf,
} from '../internal-key.ts'
import { BlockBuilder } from './block.ts'
import { bloomHash, buildBloom } from './bloom.ts'
import {
  encodeFooter,
  encodeProperties,
  FORMAT_VERSION,
  type BlockHandle,
  type TableProperties,
} from './format.ts'

export interface TableWriterOptions {
  readonly blockBytes: number
  readonly bloomBitsPerKey: number
  /** Sees each data block's bytes (valid during the call) and its index, as it is written. */
  readonly onBlock?: ((index: number, bytes: Uint8Array) => void) | undefined
}

export class TableWriter {
  readonly #file: WritableFile
  readonly #options: TableWriterOptions
  readonly #block = new BlockBuilder()
  #index = new BlockBuilder()
  #hashes: number[] = []
  #lastKey: Uint8Array | undefined
  #smallest: Uint8Array | undefined
  #entries = 0
  #deletions = 0
  #pointers = 0
  #minSeq = Number.MAX_SAFE_INTEGER
  #maxSeq = 0
  #maxTimestamp = 0
  #maxVersion = 0
  #rawKeyBytes = 0
  #rawValueBytes = 0
  #vlogRefs = new Map<number, number>()

  constructor(file: WritableFile, options: TableWriterOptions) {
    this.#file = file
    this.#options = options
  }

  get path(): string {
    return this.#file.path
  }

  get entries(): number {
    return this.#entries
  }

  /** Bytes written so far plus the open block. */
  get estimatedBytes(): number {
    return this.#file.sizeBytes + this.#block.estimatedBytes
  }

  add(ikey: Uint8Array, entry: Uint8Array): void {
    if (INVARIANTS && this.#lastKey !== undefined) {
      assert(compareInternal(this.#lastKey, ikey) < 0, 'table keys must be strictly increasing')
    }
    const last = this.#lastKey
    if (last === undefined || compareUserKeys(last, ikey) !== 0) {
      this.#hashes.push(bloomHash(ikey, ikey.length - TRAILER_BYTES))
    }
    this.#smallest ??= ikey
    this.#lastKey = ikey
    this.#track(ikey, entry)
    this.#block.add(ikey, entry)
    if (this.#block.estimatedBytes >= this.#options.blockBytes) this.#flushBlock()
  }

  #track(ikey: Uint8Array, entry: Uint8Array): void {
    this.#entries++
    const kind = kindOf(ikey)
    if (kind === Kind.delete) this.#deletions++
    if (kind === Kind.pointer) {
      this.#pointers++
      const pointer = decodePointer(entry, this.#file.path)
      this.#vlogRefs.set(pointer.fileNo, (this.#vlogRefs.get(pointer.fileNo) ?? 0) + pointer.length)
    }
    const seq = seqOf(ikey)
    if (seq < this.#minSeq) this.#minSeq = seq
    if (seq > this.#maxSeq) this.#maxSeq = seq
    const timestamp = timestampOf(ikey)
    if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp
    const version = versionOf(ikey)
    if (version > this.#maxVersion) this.#maxVersion = version
    this.#rawKeyBytes += ikey.length
    this.#rawValueBytes += entry.length
  }

  #writeBlock(block: Uint8Array): BlockHandle {
    const offset = this.#file.sizeBytes
    const trailer = new Uint8Array(4)
    new DataView(trailer.buffer).setUint32(0, crc32c(block), true)
    this.#file.append(block)
    this.#file.append(trailer)
    return { offset, length: block.length }
  }

  #flushBlock(): void {
    if (this.#block.count === 0) return
    const bytes = this.#block.finish()
    const handle = this.#writeBlock(bytes)
    this.#options.onBlock?.(this.#index.count, bytes)
    this.#block.reset() // the block bytes were copied by append

    const value = new ByteWriter(16).writeVarint(handle.offset).writeVarint(handle.length)
    this.#index.add(this.#lastKey!, value.finish())
  }

  /** Writes filter, properties, index and footer. The caller syncs and closes the file. */
  finish(): { sizeBytes: number; properties: TableProperties } {
    assert(this.#entries > 0, 'a table needs at least one entry')
    this.#flushBlock()
    const filter = this.#writeBlock(buildBloom(this.#hashes, this.#options.bloomBitsPerKey))
    const properties: TableProperties = {
      entries: this.#entries,
      deletions: this.#deletions,
      pointers: this.#pointers,
      smallest: this.#smallest!,
      largest: this.#lastKey!,
      minSeq: this.#minSeq,
      maxSeq: this.#maxSeq,
      maxTimestamp: this.#maxTimestamp,
      maxVersion: this.#maxVersion,
      rawKeyBytes: this.#rawKeyBytes,
      rawValueBytes: this.#rawValueBytes,
      vlogRefs: [...this.#vlogRefs.entries()].sort((a, b) => a[0] - b[0]),
    }
    const propsHandle = this.#writeBlock(encodeProperties(properties))
    const indexHandle = this.#writeBlock(this.#index.finish())
    const footer = encodeFooter({
      filter,
      properties: propsHandle,
      index: indexHandle,
      formatVersion: FORMAT_VERSION,
    })
    this.#file.append(footer)
    return { sizeBytes: this.#file.sizeBytes, properties }
  }
}
