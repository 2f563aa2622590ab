/**
 * BlockCache: decoded data blocks shared by every table of a db, bounded by a byte budget.
 * Each table keeps its cached blocks in an array indexed by block number (`BlockSlots`), so a
 * hit is one array read and a reference bit set: no hashing, no list to relink, few cache lines
 * (a get over a large data set is bound by cache misses). Eviction is CLOCK, a second-chance
 * approximation of LRU: the hand sweeps the admitted blocks, clears set reference bits and evicts
 * the first block whose bit is already clear. A deleted table's blocks are never referenced again
 * and go on the hand's next passes.
 */
import type { DecodedBlock } from './sstable/decoded-block.ts'

/** One table's cached blocks, by block index. */
export class BlockSlots {
  readonly blocks: Array<DecodedBlock | undefined>

  constructor(blockCount: number) {
    this.blocks = new Array<DecodedBlock | undefined>(blockCount).fill(undefined)
  }
}

interface Admitted {
  readonly slots: BlockSlots
  readonly index: number
  readonly block: DecodedBlock
}

export class BlockCache {
  readonly #budgetBytes: number
  readonly #ring: Admitted[] = []
  #hand = 0
  #usedBytes = 0
  hits = 0
  misses = 0

  constructor(budgetBytes: number) {
    this.#budgetBytes = Math.max(1, budgetBytes)
  }

  /** The cached block `index` of a table, counting a hit, or undefined. */
  lookup(slots: BlockSlots, index: number): DecodedBlock | undefined {
    const found = slots.blocks[index]
    if (found === undefined) return undefined
    if (!found.referenced) found.referenced = true
    this.hits++
    return found
  }

  /**
   * Stores a block loaded after a `lookup` miss (counting the miss unless the block was only read
   * ahead, not asked for). Over budget, the hand evicts
   * and the new block takes the first evicted place, just behind the hand: it has a full turn of
   * the hand to be used again (a block read once, as by a scan, goes on the next turn).
   */
  insert(slots: BlockSlots, index: number, block: DecodedBlock, readAhead = false): void {
    if (!readAhead) this.misses++
    if (slots.blocks[index] !== undefined) return
    block.referenced = false
    slots.blocks[index] = block
    this.#usedBytes += block.chargeBytes
    const entry: Admitted = { slots, index, block }
    const placed = this.#evictOverBudget(entry)
    if (placed) return
    if (this.#usedBytes <= this.#budgetBytes) this.#ring.push(entry)
    else this.#drop(entry)
  }

  /** Runs the hand until the budget holds; true if `entry` took an evicted block's place. */
  #evictOverBudget(entry: Admitted): boolean {
    const ring = this.#ring
    let placed = false
    while (this.#usedBytes > this.#budgetBytes && ring.length > 0) {
      if (this.#hand >= ring.length) this.#hand = 0
      const victim = ring[this.#hand]!
      if (victim.block.referenced) {
        victim.block.referenced = false
        this.#hand++
        continue
      }
      this.#drop(victim)
      if (!placed) {
        ring[this.#hand++] = entry
        placed = true
      } else {
        ring[this.#hand] = ring[ring.length - 1]!
        ring.pop()
      }
    }
    return placed
  }

  #drop(entry: Admitted): void {
    if (entry.slots.blocks[entry.index] === entry.block) entry.slots.blocks[entry.index] = undefined
    this.#usedBytes -= entry.block.chargeBytes
  }

  /** True when `bytes` more fit in the budget without evicting anything. */
  hasRoom(bytes: number): boolean {
    return this.#usedBytes + bytes <= this.#budgetBytes
  }

  get usedBytes(): number {
    return this.#usedBytes
  }

  get blockCount(): number {
    return this.#ring.length
  }
}
