/**
 * PointLookup: one get's arguments and its answer, reused by every get of a db (a get runs
 * synchronously, so one is in flight at a time). An answer found in a cached block stays a block
 * and an index: its fields are read from the block, its value is copied straight out of it, and
 * views of its key and value are built only when something asks for them (a comparison between
 * two sources, an Item, a stream). A get from a cached block then allocates only its result.
 */
import type { Clock } from '../../shared/time/clock.ts'
import type { ByteSlab } from './byte-slab.ts'
import { Kind, kindOf, timestampOf, versionOf } from './internal-key.ts'
import type { Entry, Retention } from './retention.ts'
import { bloomHash } from './sstable/bloom.ts'
import type { DecodedBlock } from './sstable/decoded-block.ts'

const EMPTY = new Uint8Array(0)
const NO_RETENTION: Retention = Object.freeze({ maxVersions: 1 })

export class PointLookup {
  userKey: Uint8Array = EMPTY
  /** bloomHash(userKey): memtable hash sets and table filters. */
  hash = 0
  snapshot = 0
  retention: Retention = NO_RETENTION
  /** The answer so far (an entry a read at `snapshot` returns; it may be a tombstone). */
  found = false
  readonly #clock: Clock
  /** The read time, NaN until an entry that can expire asks for it (one clock read at most). */
  #nowMs = Number.NaN
  #block: DecodedBlock | undefined
  #index = 0
  #ikey: Uint8Array | undefined
  #value: Uint8Array | undefined

  constructor(clock: Clock) {
    this.#clock = clock
  }

  start(userKey: Uint8Array, snapshot: number, nowMs: number | undefined, retention: Retention) {
    this.userKey = userKey
    this.hash = bloomHash(userKey)
    this.snapshot = snapshot
    this.#nowMs = nowMs ?? Number.NaN
    this.retention = retention
    this.found = false
    this.#block = undefined
    this.#ikey = undefined
    this.#value = undefined
  }

  /** Drops the references an answer holds (a cached block stays collectable once evicted). */
  finish(): void {
    this.userKey = EMPTY
    this.#block = undefined
    this.#ikey = undefined
    this.#value = undefined
  }

  nowMs(): number {
    if (Number.isNaN(this.#nowMs)) this.#nowMs = this.#clock.wallMs()
    return this.#nowMs
  }

  answerInBlock(block: DecodedBlock, index: number): void {
    this.found = true
    this.#block = block
    this.#index = index
    this.#ikey = undefined
    this.#value = undefined
  }

  answerWith(ikey: Uint8Array, value: Uint8Array): void {
    this.found = true
    this.#block = undefined
    this.#ikey = ikey
    this.#value = value
  }

  /** The answer's internal key (a view into a block or a memtable's key: do not keep it). */
  get ikey(): Uint8Array {
    this.#ikey ??= this.#block!.keyAt(this.#index)
    return this.#ikey
  }

  get value(): Uint8Array {
    this.#value ??= this.#block!.valueAt(this.#index)
    return this.#value
  }

  get kind(): Kind {
    return this.#ikey === undefined ? this.#block!.kindAt(this.#index) : kindOf(this.#ikey)
  }

  get timestamp(): number {
    if (this.#ikey !== undefined) return timestampOf(this.#ikey)
    return this.#block!.timestampAt(this.#index)
  }

  get version(): number {
    if (this.#ikey !== undefined) return versionOf(this.#ikey)
    return this.#block!.versionAt(this.#index)
  }

  entry(): Entry {
    return { ikey: this.ikey, value: this.value }
  }

  /**
   * The answer's inline payload copied into `slab` when its expiry is one byte (the common
   * case), else undefined: the caller decodes `entry()` (read-values.ts).
   */
  copyPayload(slab: ByteSlab): Uint8Array | undefined {
    if (this.kind === Kind.pointer) return undefined
    if (this.#value === undefined) return this.#block!.copyPayloadAt(this.#index, slab)
    const value = this.#value
    return value.length > 0 && value[0]! < 0x80 ? slab.copy(value, 1) : undefined
  }
}
