/**
 * TableReader: opens an SSTable from its footer, keeps the index, filter and properties in
 * memory, and loads data blocks through the shared block cache. Every block's CRC32C is checked
 * when it is read; a mismatch is a corruption error naming the file and the block offset.
 */
import { corruption } from '../../../shared/errors.ts'
import { limits } from '../../../shared/limits.ts'
import { crc32c } from '../../../shared/codecs/crc32c.ts'
import { ByteReader } from '../../../shared/codecs/byte-reader.ts'
import type { FileSystem, ReadableFile } from '../../vfs/vfs.ts'
import { BlockSlots, type BlockCache } from '../block-cache.ts'
import type { InternalIterator } from '../iterator.ts'
import { BlockIterator, decodeBlock, type DecodedBlock } from './decoded-block.ts'
import { bloomMayContain } from './bloom.ts'
import {
  BLOCK_TRAILER_BYTES,
  decodeFooter,
  decodeProperties,
  FOOTER_BYTES,
  type BlockHandle,
  type TableProperties,
} from './format.ts'

export class TableReader {
  readonly fileNo: number
  readonly path: string
  readonly properties: TableProperties
  readonly #file: ReadableFile
  readonly #cache: BlockCache
  readonly #filter: Uint8Array
  readonly #index: DecodedBlock
  readonly #handles: BlockHandle[]
  readonly #slots: BlockSlots
  blocksRead = 0

  private constructor(
    fileNo: number,
    file: ReadableFile,
    cache: BlockCache,
    parts: { filter: Uint8Array; index: DecodedBlock; properties: TableProperties },
  ) {
    this.fileNo = fileNo
    this.path = file.path
    this.#file = file
    this.#cache = cache
    this.#filter = parts.filter
    this.properties = parts.properties
    this.#index = parts.index
    this.#handles = parts.index.values.map((value, i) => {
      const reader = new ByteReader(value, `${file.path} index entry ${i}`)
      const handle = { offset: reader.readVarint(), length: reader.readVarint() }
      if (handle.offset + handle.length + BLOCK_TRAILER_BYTES > file.sizeBytes) {
        throw corruption(file.path, handle.offset, 'block handle past end of file')
      }
      return handle
    })
    this.#slots = new BlockSlots(this.#handles.length)
    cache.adopt(fileNo, this.#slots, ADOPT_AT_OPEN)
  }

  static async open(fs: FileSystem, path: string, fileNo: number, cache: BlockCache) {
    const file = await fs.openRead(path)
    try {
      const size = file.sizeBytes
      if (size < FOOTER_BYTES) throw corruption(path, 0, 'table shorter than a footer')
      const footer = decodeFooter(file.readAt(size - FOOTER_BYTES, FOOTER_BYTES), path, size)
      const read = (handle: BlockHandle): Uint8Array => readBlock(file, handle, size)
      const filter = read(footer.filter)
      const properties = decodeProperties(read(footer.properties), path, footer.properties.offset)
      const index = decodeBlock(read(footer.index), path, footer.index.offset)
      if (index.count >= 1 << 20) throw corruption(path, footer.index.offset, 'too many blocks')
      return new TableReader(fileNo, file, cache, { filter, index, properties })
    } catch (error) {
      file.close()
      throw error
    }
  }

  get blockCount(): number {
    return this.#handles.length
  }

  mayContain(userKeyHash: number): boolean {
    return bloomMayContain(this.#filter, userKeyHash)
  }

  /** Moves up to `max` more blocks offered while the table was written into the cache. */
  adoptOffered(max: number): boolean {
    return this.#cache.adopt(this.fileNo, this.#slots, max)
  }

  /** Block i if the cache holds it (a hit), else undefined (not counted as a miss). */
  cachedBlock(i: number): DecodedBlock | undefined {
    return this.#cache.lookup(this.#slots, i)
  }

  block(i: number): DecodedBlock {
    const cached = this.#cache.lookup(this.#slots, i)
    if (cached !== undefined) return cached
    const last = this.#readAheadEnd(i)
    if (last === i) {
      const block = this.#load(i)
      this.#cache.insert(this.#slots, i, block)
      return block
    }
    return this.#loadRun(i, last)
  }

  /**
   * The last block a miss on block i reads: while the cache has room for them, the uncached
   * blocks after it within `limits.lsmReadAheadBytes`, in one read (a read costs a system call
   * and a buffer; warming a cache over a whole table block by block cost more than decoding).
   * A full cache reads one block: read-ahead never evicts.
   */
  #readAheadEnd(i: number): number {
    const handles = this.#handles
    const start = handles[i]!.offset
    const limit = start + limits.lsmReadAheadBytes
    if (!this.#cache.hasRoom(limits.lsmReadAheadBytes * 2)) return i
    let last = i
    while (last + 1 < handles.length && this.#slots.blocks[last + 1] === undefined) {
      const next = handles[last + 1]!
      if (next.offset + next.length + BLOCK_TRAILER_BYTES > limit) break
      last++
    }
    return last
  }

  /** The bytes of blocks [first, last] (each followed by its trailer), in one read. */
  #readRun(first: number, last: number): { bytes: Uint8Array; start: number } {
    const handles = this.#handles
    const start = handles[first]!.offset
    const end = handles[last]!.offset + handles[last]!.length + BLOCK_TRAILER_BYTES
    if (end > this.#file.sizeBytes) throw corruption(this.path, start, 'block past EOF')
    const bytes = this.#file.readAt(start, end - start)
    if (bytes.length !== end - start) throw corruption(this.path, start, 'short block read')
    return { bytes, start }
  }

  /**
   * Blocks from `first` on, as many as fit in `spanBytes` (at least one), read in one read,
   * checked and decoded, and not cached: a compaction reads each block once (LevelDB's
   * fill_cache = false), and big reads spare it a system call per block.
   */
  readSpan(first: number, spanBytes: number): DecodedBlock[] {
    const handles = this.#handles
    const limit = handles[first]!.offset + spanBytes
    let last = first
    while (last + 1 < handles.length) {
      const next = handles[last + 1]!
      if (next.offset + next.length + BLOCK_TRAILER_BYTES > limit) break
      last++
    }
    const run = this.#readRun(first, last)
    const blocks: DecodedBlock[] = []
    for (let b = first; b <= last; b++) {
      blocks.push(this.#decodeInRun(run, b))
      this.blocksRead++
    }
    return blocks
  }

  /** Block `b` of a run #readRun read: its checksum checked, decoded. */
  #decodeInRun(run: { bytes: Uint8Array; start: number }, b: number): DecodedBlock {
    const handle = this.#handles[b]!
    const at = handle.offset - run.start
    const raw = run.bytes.subarray(at, at + handle.length + BLOCK_TRAILER_BYTES)
    return decodeBlock(checkedBlock(raw, handle, this.path), this.path, handle.offset)
  }

  /** Reads blocks [first, last] in one read, caches them all (the rest as read-ahead). */
  #loadRun(first: number, last: number): DecodedBlock {
    const run = this.#readRun(first, last)
    let wanted: DecodedBlock | undefined
    for (let b = first; b <= last; b++) {
      let block: DecodedBlock
      try {
        block = this.#decodeInRun(run, b)
      } catch (error) {
        // A bad block read ahead fails the read that asks for it, not this one.
        if (b === first) throw error
        break
      }
      this.blocksRead++
      this.#cache.insert(this.#slots, b, block, b !== first)
      wanted ??= block
    }
    return wanted!
  }

  #load(i: number): DecodedBlock {
    const handle = this.#handles[i]!
    this.blocksRead++
    const bytes = readBlock(this.#file, handle, this.#file.sizeBytes)
    return decodeBlock(bytes, this.path, handle.offset)
  }

  /** Reads and checks every data block without caching (consistency checks). */
  verifyAll(): number {
    let entries = 0
    for (let i = 0; i < this.#handles.length; i++) entries += this.#load(i).count
    if (entries !== this.properties.entries) {
      throw corruption(this.path, 0, `table has ${entries} entries, properties say more`)
    }
    return entries
  }

  /** Index of the first block whose last key >= target. */
  blockFor(target: Uint8Array): number {
    return this.#index.lowerBound(target)
  }

  /** Index of the first block whose last user key >= userKey (blockFor(seekKeyFor(userKey))). */
  blockForUser(userKey: Uint8Array): number {
    return this.#index.lowerBoundUser(userKey)
  }

  iterator(): InternalIterator {
    return new TableIterator(this)
  }

  /** An iterator reading large uncached spans of blocks (a compaction's input). */
  scan(): InternalIterator {
    return new TableIterator(this, spanLoader(this))
  }

  /** Closes the file; the table's blocks leave the cache. */
  close(): void {
    this.#cache.forget(this.#slots)
    this.#cache.adopt(this.fileNo, this.#slots) // drops blocks still on offer
    this.#file.close()
  }
}

function readBlock(file: ReadableFile, handle: BlockHandle, size: number): Uint8Array {
  const total = handle.length + BLOCK_TRAILER_BYTES
  if (handle.offset + total > size) throw corruption(file.path, handle.offset, 'block past EOF')
  const bytes = file.readAt(handle.offset, total)
  if (bytes.length !== total) throw corruption(file.path, handle.offset, 'short block read')
  return checkedBlock(bytes, handle, file.path)
}

/** The block bytes of `bytes` (block then CRC32C trailer), after checking the trailer. */
function checkedBlock(bytes: Uint8Array, handle: BlockHandle, path: string): Uint8Array {
  const block = bytes.subarray(0, handle.length)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (crc32c(block) !== view.getUint32(handle.length, true)) {
    throw corruption(path, handle.offset, 'block checksum mismatch')
  }
  return block
}

/** Two-level iterator: index -> data block. */
class TableIterator implements InternalIterator {
  readonly #table: TableReader
  /** Block i: through the cache, or from a compaction's uncached spans (spanLoader). */
  readonly #load: (i: number) => DecodedBlock
  #blockIndex = -1
  #inner: BlockIterator | undefined

  constructor(table: TableReader, load: (i: number) => DecodedBlock = (i) => table.block(i)) {
    this.#table = table
    this.#load = load
  }

  #open(i: number): void {
    this.#blockIndex = i
    this.#inner =
      i >= 0 && i < this.#table.blockCount ? new BlockIterator(this.#load(i)) : undefined
  }

  #skipForward(): void {
    while (this.#inner !== undefined && !this.#inner.valid()) {
      this.#open(this.#blockIndex + 1)
      this.#inner?.first()
    }
  }

  #skipBackward(): void {
    while (this.#inner !== undefined && !this.#inner.valid()) {
      this.#open(this.#blockIndex - 1)
      this.#inner?.last()
    }
  }

  valid(): boolean {
    return this.#inner !== undefined && this.#inner.valid()
  }
  key(): Uint8Array {
    return this.#inner!.key()
  }
  value(): Uint8Array {
    return this.#inner!.value()
  }
  seekGE(target: Uint8Array): void {
    this.#open(this.#table.blockFor(target))
    this.#inner?.seekGE(target)
    this.#skipForward()
  }
  seekLT(target: Uint8Array): void {
    const i = Math.min(this.#table.blockFor(target), this.#table.blockCount - 1)
    this.#open(i)
    this.#inner?.seekLT(target)
    this.#skipBackward()
  }
  first(): void {
    this.#open(0)
    this.#inner?.first()
    this.#skipForward()
  }
  last(): void {
    this.#open(this.#table.blockCount - 1)
    this.#inner?.last()
    this.#skipBackward()
  }
  next(): void {
    this.#inner!.next()
    this.#skipForward()
  }
  prev(): void {
    this.#inner!.prev()
    this.#skipBackward()
  }
}

/** Offered blocks a reader takes into the cache as it opens; the db moves the rest later. */
export const ADOPT_AT_OPEN = 256

/** Bytes a compaction scan reads at a time. */
const SCAN_SPAN_BYTES = 512 * 1024

/** Block i from spans read with readSpan, the current span kept (a compaction's scan). */
function spanLoader(table: TableReader): (i: number) => DecodedBlock {
  let span: DecodedBlock[] = []
  let first = 0
  return (i) => {
    if (i < first || i >= first + span.length) {
      span = table.readSpan(i, SCAN_SPAN_BYTES)
      first = i
    }
    return span[i - first]!
  }
}
