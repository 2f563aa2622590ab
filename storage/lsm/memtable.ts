/**
 * Memtable: the in-memory sorted buffer of recent writes, a skip list by internal key with a
 * byte count. The db rotates it when it passes its budget; an immutable memtable stays readable
 * until its SSTable is installed in the manifest.
 */
import type { Prng } from '../../shared/random/prng.ts'
import { decodePointer } from './entry-value.ts'
import { encodeInternalKey, Kind } from './internal-key.ts'
import { bloomHash } from './sstable/bloom.ts'
import type { InternalIterator } from './iterator.ts'
import { NONE, SkipList } from './skiplist.ts'
import type { VlogWriter } from './value-log/value-log.ts'
import type { BatchOp } from './write-batch.ts'

const NODE_OVERHEAD_BYTES = 64
/** The key filter starts at this many bits and keeps at least FILTER_BITS_PER_KEY per key. */
const FILTER_BITS_MIN = 1 << 16
/** One probe per key: ~3% false positives (a needless skip-list search) at 32 bits per key. */
const FILTER_BITS_PER_KEY = 32

export class Memtable {
  readonly #list: SkipList
  #bytes = 0
  #minSeq = Number.MAX_SAFE_INTEGER
  #maxSeq = 0
  /** The WAL file holding these writes (0 when the WAL is off). */
  readonly walFileNo: number
  /** Metadata to persist atomically with this memtable's flush (db.flush({ metadata })). */
  pendingMetadata: Uint8Array | undefined
  /** The value log this memtable's large values went to at write time, while it is open. */
  valueLog: VlogWriter | undefined
  /** Value-log files its pointer entries point into (its own, or replayed WALs' ones). */
  readonly vlogRefs = new Set<number>()
  /** The longest inline entry (flush separates large ones only from replayed old WALs). */
  maxInlineBytes = 0
  /**
   * Bloom hashes (bloom.ts) of every user key written, and a one-probe bit filter over them, so
   * a get for a key this memtable does not hold skips the skip-list search. One cache line per
   * get (a Set of the hashes cost a hash-table probe, two or three misses on a large memtable).
   */
  #hashes = new Int32Array(1024)
  #hashCount = 0
  #filter = new Uint32Array(FILTER_BITS_MIN / 32)

  /** Gives this memtable its write-time value log (its name already durable). */
  adoptValueLog(fileNo: number, writer: VlogWriter): void {
    this.valueLog = writer
    this.vlogRefs.add(fileNo)
  }

  constructor(prng: Prng, walFileNo: number) {
    this.#list = new SkipList(prng)
    this.walFileNo = walFileNo
  }

  get approximateBytes(): number {
    return this.#bytes
  }

  get count(): number {
    return this.#list.count
  }

  get minSeq(): number {
    return this.#minSeq
  }

  get maxSeq(): number {
    return this.#maxSeq
  }

  apply(ops: readonly BatchOp[], firstSeq: number): void {
    let seq = firstSeq
    for (const op of ops) {
      const ikey = encodeInternalKey(op.userKey, op.timestamp, op.version, seq, op.kind)
      this.#list.insert(ikey, op.entry)
      this.#addHash(bloomHash(op.userKey) | 0)
      if (op.kind === Kind.pointer) this.vlogRefs.add(decodePointer(op.entry, 'memtable').fileNo)
      else if (op.entry.length > this.maxInlineBytes) this.maxInlineBytes = op.entry.length
      this.#bytes += ikey.length + op.entry.length + NODE_OVERHEAD_BYTES
      seq++
    }
    if (ops.length > 0) {
      this.#minSeq = Math.min(this.#minSeq, firstSeq)
      this.#maxSeq = Math.max(this.#maxSeq, seq - 1)
    }
  }

  #addHash(hash: number): void {
    if (this.#hashCount === this.#hashes.length) {
      const grown = new Int32Array(this.#hashes.length * 2)
      grown.set(this.#hashes)
      this.#hashes = grown
    }
    this.#hashes[this.#hashCount++] = hash
    const bits = this.#filter.length * 32
    if (this.#hashCount * FILTER_BITS_PER_KEY <= bits) this.#setBit(hash)
    else this.#rebuildFilter(bits * 4)
  }

  #setBit(hash: number): void {
    const bit = hash & (this.#filter.length * 32 - 1)
    this.#filter[bit >>> 5]! |= 1 << (bit & 31)
  }

  #rebuildFilter(bits: number): void {
    this.#filter = new Uint32Array(bits / 32)
    for (let i = 0; i < this.#hashCount; i++) this.#setBit(this.#hashes[i]!)
  }

  /** False when no entry of the user key with this bloom hash is here. */
  mayContain(userKeyHash: number): boolean {
    const filter = this.#filter
    const bit = userKeyHash & (filter.length * 32 - 1)
    return (filter[bit >>> 5]! & (1 << (bit & 31))) !== 0
  }

  /** First node of `userKey` or after it, or NONE (point lookups walk nextOf from it). */
  seekUserKey(userKey: Uint8Array): number {
    return this.#list.seekUserKey(userKey)
  }

  keyOf(node: number): Uint8Array {
    return this.#list.key(node)
  }

  valueOf(node: number): Uint8Array {
    return this.#list.value(node)
  }

  nextOf(node: number): number {
    return this.#list.next(node)
  }

  iterator(): InternalIterator {
    return new MemtableIterator(this.#list)
  }
}

class MemtableIterator implements InternalIterator {
  readonly #list: SkipList
  #node = NONE

  constructor(list: SkipList) {
    this.#list = list
  }

  valid(): boolean {
    return this.#node !== NONE
  }
  key(): Uint8Array {
    return this.#list.key(this.#node)
  }
  value(): Uint8Array {
    return this.#list.value(this.#node)
  }
  seekGE(target: Uint8Array): void {
    this.#node = this.#list.seekGE(target)
  }
  seekLT(target: Uint8Array): void {
    this.#node = this.#list.seekLT(target)
  }
  first(): void {
    this.#node = this.#list.first()
  }
  last(): void {
    this.#node = this.#list.last()
  }
  next(): void {
    this.#node = this.#list.next(this.#node)
  }
  prev(): void {
    this.#node = this.#list.seekLT(this.#list.key(this.#node))
  }
}
