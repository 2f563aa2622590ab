/**
 * BlockCache: decoded data blocks shared by every table of a db, bounded by a byte budget
 * (lru-cache with sizeCalculation). File numbers are never
 * reused, so a deleted table's blocks simply age out.
 * Keys are numbers, fileNo * 2^20 + block index (a table has under 2^20 blocks: 4 GiB of 4 KiB
 * blocks), because hashing a number is cheaper than building a string on every lookup.
 */
import { LRUCache } from 'lru-cache'
import type { DecodedBlock } from './sstable/block.ts'

const BLOCKS_PER_TABLE_MAX = 1 << 20

export class BlockCache {
  readonly #lru: LRUCache<number, DecodedBlock>
  hits = 0
  misses = 0

  constructor(budgetBytes: number) {
    this.#lru = new LRUCache<number, DecodedBlock>({
      maxSize: Math.max(1, budgetBytes),
      sizeCalculation: (block) => Math.max(1, block.chargeBytes),
    })
  }

  static key(fileNo: number, blockIndex: number): number {
    return fileNo * BLOCKS_PER_TABLE_MAX + blockIndex
  }

  /** The cached block, counting a hit, or undefined (the caller loads and `insert`s it). */
  lookup(key: number): DecodedBlock | undefined {
    const found = this.#lru.get(key)
    if (found !== undefined) this.hits++
    return found
  }

  /** Stores a block loaded after a `lookup` miss, counting the miss. */
  insert(key: number, block: DecodedBlock): void {
    this.misses++
    this.#lru.set(key, block)
  }

  get(key: number, load: () => DecodedBlock): DecodedBlock {
    const found = this.#lru.get(key)
    if (found !== undefined) {
      this.hits++
      return found
    }
    this.misses++
    const block = load()
    this.#lru.set(key, block)
    return block
  }

  get usedBytes(): number {
    return this.#lru.calculatedSize
  }
}
