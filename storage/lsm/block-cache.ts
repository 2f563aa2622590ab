/**
 * BlockCache: decoded data blocks shared by every table of a db, bounded by a byte budget.
 * Each table keeps its cached blocks in an array indexed by block number (`BlockSlots`), so a
 * hit is one array read and a reference bit set: no hashing, no list to relink, few cache lines
 * (a get over a large data set is bound by cache misses). Eviction is CLOCK, a second-chance
 * approximation of LRU: the hand sweeps the admitted blocks, clears set reference bits and evicts
 * the first block whose bit is already clear. A closed table's blocks leave the budget at once
 * (`forget`). Blocks read ahead or offered by a table being written enter only while the budget
 * has room for them: they never evict anything.
 */
import { decodeBlock, type DecodedBlock } from './sstable/decoded-block.ts'

/** One table's cached blocks, by block index. */
export class BlockSlots {
  readonly blocks: Array<DecodedBlock | undefined>
  /** Set when the table is closed: its blocks leave the cache (BlockCache.forget). */
  closed = false

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
  #ring: Admitted[] = []
  /** Ring entries of closed tables, removed in one pass once they are many. */
  #closedEntries = 0
  /** Blocks of tables being written, by file number, until their reader adopts them. */
  readonly #offered = new Map<number, Map<number, DecodedBlock>>()
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
   * ahead, not asked for). Over budget, the hand evicts and the new block takes the first evicted
   * place, just behind the hand: it has a full turn of the hand to be used again (a block read
   * once, as by a scan, goes on the next turn).
   */
  insert(slots: BlockSlots, index: number, block: DecodedBlock, readAhead = false): void {
    if (!readAhead) this.misses++
    if (slots.closed || slots.blocks[index] !== undefined) return
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
      if (victim.slots.closed) {
        this.#closedEntries--
        ring[this.#hand] = ring[ring.length - 1]!
        ring.pop()
        continue
      }
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

  /**
   * Decodes and keeps a block of a table being written (flush: fresh data is read soon, and a
   * get should not pay for its first read), only while the cache has room: never evicts.
   */
  offer(fileNo: number, path: string, index: number, bytes: Uint8Array): void {
    if (!this.hasRoom(2 * bytes.length)) return
    const block = decodeBlock(bytes, path, 0)
    let blocks = this.#offered.get(fileNo)
    if (blocks === undefined) this.#offered.set(fileNo, (blocks = new Map()))
    blocks.set(index, block)
    this.#usedBytes += block.chargeBytes
  }

  /** Moves the blocks offered for `fileNo` into its reader's slots (TableReader.open). */
  adopt(fileNo: number, slots: BlockSlots): void {
    const blocks = this.#offered.get(fileNo)
    if (blocks === undefined) return
    this.#offered.delete(fileNo)
    if (slots.closed) {
      for (const block of blocks.values()) this.#usedBytes -= block.chargeBytes
      return
    }
    for (const [index, block] of blocks) {
      if (index >= slots.blocks.length || slots.blocks[index] !== undefined) {
        this.#usedBytes -= block.chargeBytes
        continue
      }
      slots.blocks[index] = block
      this.#ring.push({ slots, index, block })
    }
  }

  /**
   * Drops a closed table's blocks (its file is deleted or the db closes): their bytes leave the
   * budget now, their ring entries in one pass once a quarter of the ring is dead.
   */
  forget(slots: BlockSlots): void {
    if (slots.closed) return
    slots.closed = true
    for (let i = 0; i < slots.blocks.length; i++) {
      const block = slots.blocks[i]
      if (block === undefined) continue
      this.#usedBytes -= block.chargeBytes
      this.#closedEntries++
      slots.blocks[i] = undefined
    }
    if (this.#closedEntries * 4 < this.#ring.length) return
    this.#ring = this.#ring.filter((entry) => !entry.slots.closed)
    this.#closedEntries = 0
    this.#hand = 0
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
