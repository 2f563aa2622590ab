/**
 * BlockCache: decoded data blocks shared by every table of a db, bounded by a byte budget
 * (lru-cache with sizeCalculation). Keys are "<fileNo>:<blockIndex>"; file numbers are never
 * reused, so a deleted table's blocks simply age out.
 */
import { LRUCache } from 'lru-cache'
import type { DecodedBlock } from './sstable/block.ts'

export class BlockCache {
  readonly #lru: LRUCache<string, DecodedBlock>
  hits = 0
  misses = 0

  constructor(budgetBytes: number) {
    this.#lru = new LRUCache<string, DecodedBlock>({
      maxSize: Math.max(1, budgetBytes),
      sizeCalculation: (block) => Math.max(1, block.chargeBytes),
    })
  }

  get(key: string, load: () => DecodedBlock): DecodedBlock {
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
