/**
 * Memtable: the in-memory sorted buffer of recent writes, a skip list by internal key with a
 * byte count. The db rotates it when it passes its budget; an immutable memtable stays readable
 * until its SSTable is installed in the manifest.
 */
import type { Prng } from '../../shared/random/prng.ts'
import { decodePointer } from './entry-value.ts'
import {
  compareInternal,
  compareUserKeys,
  encodeInternalKey,
  hasUserKey,
  Kind,
} from './internal-key.ts'
import { bloomHash } from './sstable/bloom.ts'
import type { InternalIterator } from './iterator.ts'
import { ABSENT, COLLIDED, MemtableIndex, type Relation } from './memtable-index.ts'
import { NONE, SkipList } from './skiplist.ts'
import type { SortedRunImage } from './sorted-run-image.ts'
import type { VlogWriter } from './value-log/value-log.ts'
import type { BatchOp } from './write-batch.ts'

const NODE_OVERHEAD_BYTES = 64

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
   * Each user key's first node by its bloom hash (bloom.ts): a get goes straight to its key's
   * entries, and skips the memtable when it holds none (memtable-index.ts).
   */
  readonly #index: MemtableIndex

  /** Gives this memtable its write-time value log (its name already durable). */
  adoptValueLog(fileNo: number, writer: VlogWriter): void {
    this.valueLog = writer
    this.vlogRefs.add(fileNo)
  }

  constructor(prng: Prng, walFileNo: number) {
    this.#list = new SkipList(prng)
    this.walFileNo = walFileNo
    this.#index = new MemtableIndex((node, current) => this.#relate(node, current))
  }

  #relate(node: number, current: number): Relation {
    const key = this.#list.key(node)
    const held = this.#list.key(current)
    if (compareUserKeys(key, held) !== 0) return 'other-key'
    return compareInternal(key, held) < 0 ? 'sorts-first' : 'sorts-after'
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
      const node = this.#list.insert(ikey, op.entry)
      this.#index.add(bloomHash(op.userKey) | 0, node)
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

  /**
   * The first node of `userKey` (`hash`: its bloom hash), or NONE when this memtable holds no
   * entry of it. Point lookups walk nextOf from it.
   */
  firstNodeOf(userKey: Uint8Array, hash: number): number {
    const found = this.#index.find(hash | 0)
    if (found === ABSENT) return NONE
    const node = found === COLLIDED ? this.#list.seekUserKey(userKey) : found
    return node !== NONE && hasUserKey(this.#list.key(node), userKey) ? node : NONE
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

  /** The entries as buffers, for a flush on a worker thread (call once it is immutable). */
  image(): SortedRunImage {
    return this.#list.image()
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
