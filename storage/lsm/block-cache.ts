/**
 * BlockCache: decoded data blocks shared by every table of a db, bounded by a byte budget, on
 * `lru-cache` (maxSize in bytes, each block charged its decoded size). lru-cache owns the
 * budget and the eviction order; its dispose hook clears an evicted block's slot.
 *
 * Fast hits: each table also keeps its cached blocks in an array indexed by block number
 * (`BlockSlots`), so a hit is one array read, not a Map probe plus a list relink (a get over a
 * large data set is bound by cache misses). Recency still reaches lru-cache, sampled: a hit
 * touches the block in lru-cache only the first time it is hit after the cache last admitted a
 * block. Evictions happen only when a block is admitted, so between two admissions the order
 * that matters is which blocks were used at all since the last one, which this keeps exact;
 * among blocks used in the same interval, the order is that of their first use in it.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { LRUCache } from 'lru-cache'
import { decodeBlock, type DecodedBlock } from './sstable/decoded-block.ts'

/** A table has fewer blocks than this (4 GiB of 4 KiB blocks): keys are table * this + index. */
const blocksPerTableMax = 2 ** 20

/** One table's cached blocks, by block index. */
export class BlockSlots {
  readonly blocks: Array<DecodedBlock | undefined>
  /** Per block: the cache's admission count when the block last reached lru-cache's front. */
  readonly touched: Float64Array
  /** Set when the table is closed: its blocks leave the cache (BlockCache.forget). */
  closed = false
  /** This table's key space in the cache (set by the cache on first use). */
  cacheId = -1

  constructor(blockCount: number) {
    this.blocks = new Array<DecodedBlock | undefined>(blockCount).fill(undefined)
    this.touched = new Float64Array(blockCount).fill(-1)
  }
}

interface Admitted {
  readonly slots: BlockSlots
  readonly index: number
  readonly block: DecodedBlock
}

export class BlockCache {
  readonly #budgetBytes: number
  readonly #lru: LRUCache<number, Admitted>
  /** Blocks of tables being written, by file number, until their reader adopts them. */
  readonly #offered = new Map<number, Map<number, DecodedBlock>>()
  #offeredBytes = 0
  /** Blocks admitted so far: a hit touches lru-cache once per admission interval. */
  #admissions = 0
  #nextCacheId = 0
  hits = 0
  misses = 0
  #readsAtMark = 0

  constructor(budgetBytes: number) {
    this.#budgetBytes = Math.max(1, budgetBytes)
    this.#lru = new LRUCache<number, Admitted>({
      maxSize: this.#budgetBytes,
      sizeCalculation: (entry) => Math.max(1, entry.block.chargeBytes),
      dispose: (entry) => {
        if (entry.slots.blocks[entry.index] === entry.block) {
          entry.slots.blocks[entry.index] = undefined
        }
      },
    })
  }

  #key(slots: BlockSlots, index: number): number {
    if (slots.cacheId < 0) slots.cacheId = this.#nextCacheId++
    return slots.cacheId * blocksPerTableMax + index
  }

  /** The cached block `index` of a table, counting a hit, or undefined. */
  lookup(slots: BlockSlots, index: number): DecodedBlock | undefined {
    const found = slots.blocks[index]
    if (found === undefined) return undefined
    if (slots.touched[index] !== this.#admissions) {
      slots.touched[index] = this.#admissions
      this.#lru.get(this.#key(slots, index)) // to the front of lru-cache's order
    }
    this.hits++
    return found
  }

  /**
   * Stores a block loaded after a `lookup` miss (counting the miss unless the block was only
   * read ahead, not asked for); lru-cache evicts the least recently used blocks over budget.
   */
  insert(slots: BlockSlots, index: number, block: DecodedBlock, readAhead = false): void {
    if (!readAhead) this.misses++
    if (slots.closed || slots.blocks[index] !== undefined) return
    this.#admit(slots, index, block)
  }

  #admit(slots: BlockSlots, index: number, block: DecodedBlock): void {
    this.#admissions++
    const key = this.#key(slots, index)
    slots.blocks[index] = block
    slots.touched[index] = this.#admissions
    this.#lru.set(key, { slots, index, block })
    // lru-cache refuses an item larger than the whole budget without calling dispose.
    if (!this.#lru.has(key)) slots.blocks[index] = undefined
  }

  /**
   * Decodes and keeps a block of a table being written (flush: fresh data is read soon, and a
   * get should not pay for its first read), only while the cache has room: never evicts.
   */
  offer(fileNo: number, path: string, index: number, bytes: Uint8Array): void {
    if (!this.hasRoom(2 * bytes.length)) return
    this.offerDecoded(fileNo, index, decodeBlock(bytes, path, 0))
  }

  /** offer() of a block decoded elsewhere (a background worker); kept only while there is room. */
  offerDecoded(fileNo: number, index: number, block: DecodedBlock): void {
    if (!this.hasRoom(block.chargeBytes)) return
    let blocks = this.#offered.get(fileNo)
    if (blocks === undefined) this.#offered.set(fileNo, (blocks = new Map()))
    blocks.set(index, block)
    this.#offeredBytes += block.chargeBytes
  }

  /**
   * Moves up to `max` of the blocks offered for `fileNo` into its reader's slots; true while
   * some are left (the db moves a large flush's thousands of blocks a slice per event-loop
   * turn: in one go they held the loop ~20 ms). A block not moved yet is simply a miss.
   */
  adopt(fileNo: number, slots: BlockSlots, max = Number.POSITIVE_INFINITY): boolean {
    const blocks = this.#offered.get(fileNo)
    if (blocks === undefined) return false
    let moved = 0
    for (const [index, block] of blocks) {
      if (moved++ >= max) return true
      blocks.delete(index)
      this.#offeredBytes -= block.chargeBytes
      if (slots.closed || index >= slots.blocks.length || slots.blocks[index] !== undefined)
        continue
      this.#admit(slots, index, block)
    }
    this.#offered.delete(fileNo)
    return false
  }

  /** Drops a closed table's blocks (its file is deleted or the db closes). */
  forget(slots: BlockSlots): void {
    if (slots.closed) return
    slots.closed = true
    for (let i = 0; i < slots.blocks.length; i++) {
      if (slots.blocks[i] !== undefined) this.#lru.delete(this.#key(slots, i))
      slots.blocks[i] = undefined
    }
  }

  /** True when blocks were looked up (hits, or misses read in) since the previous call. */
  readSinceLastAsked(): boolean {
    const reads = this.hits + this.misses
    const read = reads !== this.#readsAtMark
    this.#readsAtMark = reads
    return read
  }

  /** True when `bytes` more fit in the budget without evicting anything. */
  hasRoom(bytes: number): boolean {
    return this.usedBytes + bytes <= this.#budgetBytes
  }

  get usedBytes(): number {
    return this.#lru.calculatedSize + this.#offeredBytes
  }

  get blockCount(): number {
    return this.#lru.size
  }
}

/** Moves the blocks offered for fresh tables into the cache a slice per event-loop turn. */
export async function adoptInSlices(
  tables: ReadonlyArray<{ adoptOffered(max: number): boolean }>,
  slice: number,
): Promise<void> {
  for (const table of tables) {
    while (table.adoptOffered(slice)) await nextTurn()
  }
}
