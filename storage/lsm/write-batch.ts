/**
 * WriteBatch: puts and deletes applied atomically with consecutive sequence numbers. Its encoding
 * is the payload of one WAL record:
 *
 *   | firstSeq u64 | count u32 | op ... |
 *   op: | kind u8 | timestamp varint | version varint | keyLen varint | key | entryLen varint |
 *       | entry (entry-value.ts) |
 *
 * In the WAL a large value is already a pointer (kind 2) into the memtable's value log, which
 * is synced before the WAL record (write-time value separation).
 */
import { ShoalError } from '../../shared/errors.ts'
import { ByteReader } from '../../shared/codecs/byte-reader.ts'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { limits } from '../../shared/limits.ts'
import { ByteSlab } from './byte-slab.ts'
import { encodeInline } from './entry-value.ts'
import { isValidKind, Kind } from './internal-key.ts'

/**
 * Entries of small values are carved from shared slabs: a 100-byte entry would otherwise be
 * allocated outside the V8 heap (~1 us). Memtable entries written together are flushed
 * together, so a slab rarely outlives its entries by long.
 */
const ENTRY_SLAB = new ByteSlab()

export interface BatchOp {
  readonly kind: Kind
  readonly userKey: Uint8Array
  readonly timestamp: number
  readonly version: number
  /** Encoded entry value (entry-value.ts); empty for a tombstone. */
  readonly entry: Uint8Array
}

export interface PutOptions {
  /** Item timestamp (ms, HLC); higher wins. Default 0 (plain key-value order by sequence). */
  readonly timestamp?: number
  /** Item version (raft index); breaks timestamp ties. Default 0. */
  readonly version?: number
  /** Absolute expiry in ms (wall clock); 0 or absent = never. */
  readonly expiresAtMs?: number
}

/** The timestamp and version of `options`, without absent fields. */
export function stampOf(options: { timestamp?: number; version?: number }): {
  timestamp?: number
  version?: number
} {
  return {
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
    ...(options.version === undefined ? {} : { version: options.version }),
  }
}

function checkKey(userKey: Uint8Array): void {
  if (!(userKey instanceof Uint8Array)) throw new ShoalError('bad-request', 'key must be bytes')
  if (userKey.length > limits.keyBytesMax) {
    throw new ShoalError('too-large', `key of ${userKey.length} bytes over ${limits.keyBytesMax}`)
  }
}

function checkStamp(name: string, value: number | undefined): number {
  const v = value ?? 0
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new ShoalError('bad-request', `${name} must be a non-negative safe integer, got ${v}`)
  }
  return v
}

export class WriteBatch {
  readonly ops: BatchOp[] = []
  #bytes = 0
  /** Key and value bytes as the caller sees them (the write-amplification denominator). */
  userBytes = 0

  get count(): number {
    return this.ops.length
  }

  get approximateBytes(): number {
    return this.#bytes
  }

  put(userKey: Uint8Array, value: Uint8Array, options: PutOptions = {}): this {
    checkKey(userKey)
    if (!(value instanceof Uint8Array)) throw new ShoalError('bad-request', 'value must be bytes')
    if (value.length > limits.lsmValueBytesMax) {
      throw new ShoalError(
        'too-large',
        `value of ${value.length} bytes over ${limits.lsmValueBytesMax}: use putStream`,
      )
    }
    const expiresAtMs = checkStamp('expiresAtMs', options.expiresAtMs)
    this.userBytes += userKey.length + value.length
    return this.#add({
      kind: Kind.value,
      userKey,
      timestamp: checkStamp('timestamp', options.timestamp),
      version: checkStamp('version', options.version),
      entry: encodeInline(value, expiresAtMs, ENTRY_SLAB),
    })
  }

  delete(userKey: Uint8Array, options: { timestamp?: number; version?: number } = {}): this {
    checkKey(userKey)
    this.userBytes += userKey.length
    return this.#add({
      kind: Kind.delete,
      userKey,
      timestamp: checkStamp('timestamp', options.timestamp),
      version: checkStamp('version', options.version),
      entry: new Uint8Array(0),
    })
  }

  #add(op: BatchOp): this {
    const bytes = op.userKey.length + op.entry.length + 32
    if (this.#bytes + bytes > limits.lsmBatchBytesMax) {
      throw new ShoalError('too-large', `batch over ${limits.lsmBatchBytesMax} bytes`)
    }
    this.#bytes += bytes
    this.ops.push(op)
    return this
  }
}

export function encodeBatch(ops: readonly BatchOp[], firstSeq: number): Uint8Array {
  let size = 12
  for (const op of ops) size += op.userKey.length + op.entry.length + 32
  const writer = new ByteWriter(size)
  writer.writeU64(firstSeq).writeU32(ops.length)
  for (const op of ops) {
    writer.writeU8(op.kind).writeVarint(op.timestamp).writeVarint(op.version)
    writer.writeLengthPrefixed(op.userKey).writeLengthPrefixed(op.entry)
  }
  return writer.finish()
}

export function decodeBatch(
  payload: Uint8Array,
  source: string,
): { firstSeq: number; ops: BatchOp[] } {
  const reader = new ByteReader(payload, source)
  const firstSeq = reader.readU64()
  const count = reader.readU32()
  const ops: BatchOp[] = []
  for (let i = 0; i < count; i++) {
    const kind = reader.readU8()
    if (!isValidKind(kind)) {
      throw new ShoalError('corruption', `bad op kind ${kind} in ${source}`)
    }
    const timestamp = reader.readVarint()
    const version = reader.readVarint()
    const userKey = reader.readLengthPrefixed().slice()
    const entry = reader.readLengthPrefixed().slice()
    ops.push({ kind, userKey, timestamp, version, entry })
  }
  if (reader.remaining !== 0) throw new ShoalError('corruption', `trailing bytes in ${source}`)
  return { firstSeq, ops }
}
