/**
 * Write-time value separation (WiscKey): a value at or above the threshold is appended to the
 * active memtable's value-log file when it is written, and the WAL and the memtable hold only a
 * pointer. The value is written once; flushes and compactions move the pointer, never the
 * value (value-log GC moves it again only when its file is mostly garbage). Durability order:
 * the value log is synced before the WAL records pointing into it (WalWriter's beforeSync),
 * and registered in the manifest in the flush edit of its memtable, after it is synced.
 */
import { ShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import { joinPath, type FileSystem } from '../vfs/vfs.ts'
import { encodePointer, expiryOf, inlinePayload, type ValuePointer } from './entry-value.ts'
import { vlogName } from './file-names.ts'
import { encodeInternalKey, Kind } from './internal-key.ts'
import { createVlog, type VlogReaders, type VlogWriter } from './value-log/value-log.ts'
import type { BatchOp } from './write-batch.ts'

/** Entry bytes at which an inline op may hold a separable value (payload plus expiry). */
function large(op: BatchOp, thresholdBytes: number): boolean {
  return op.kind === Kind.value && op.entry.length > thresholdBytes
}

/** True when the batch holds a value that goes to the value log. */
export function needsValueLog(ops: readonly BatchOp[], thresholdBytes: number): boolean {
  for (const op of ops) {
    if (large(op, thresholdBytes) && inlinePayload(op.entry, 'batch').length >= thresholdBytes) {
      return true
    }
  }
  return false
}

/**
 * Appends the batch's large values to `vlog` and returns the ops with pointers in their place
 * (the same array when none is large) and the value-log bytes written.
 */
export function separateValues(
  ops: readonly BatchOp[],
  firstSeq: number,
  vlog: VlogWriter | undefined,
  thresholdBytes: number,
): { ops: readonly BatchOp[]; vlogBytes: number } {
  if (vlog === undefined) return { ops, vlogBytes: 0 }
  let out: BatchOp[] | undefined
  let vlogBytes = 0
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!
    if (!large(op, thresholdBytes)) continue
    const payload = inlinePayload(op.entry, 'batch')
    if (payload.length < thresholdBytes) continue
    const seq = firstSeq + i
    const ikey = encodeInternalKey(op.userKey, op.timestamp, op.version, seq, Kind.pointer)
    const pointer = vlog.add(ikey, payload)
    vlogBytes += pointer.length
    out ??= ops.slice()
    out[i] = { ...op, kind: Kind.pointer, entry: encodePointer(pointer, expiryOf(op.entry, '')) }
  }
  return { ops: out ?? ops, vlogBytes }
}

/**
 * Creates a memtable's value log, makes its name durable and opens it for reads. The name must
 * be durable before the log is used: a WAL sync makes every record in the WAL durable, also
 * ones appended while it ran, and a durable pointer into a log whose name a power loss can
 * drop would be a dangling pointer at recovery (the crash-point test catches it).
 */
export async function openMemtableVlog(
  fs: FileSystem,
  dir: string,
  fileNo: number,
  readers: VlogReaders,
): Promise<VlogWriter> {
  const writer = await createVlog(fs, dir, fileNo)
  await fs.fsyncDir(dir)
  await readers.ensureOpen(fileNo)
  return writer
}

/** Splits incoming pieces into chunks of at most limits.lsmValueChunkBytes. */
function* split(piece: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < piece.length; at += limits.lsmValueChunkBytes) {
    yield piece.subarray(at, Math.min(piece.length, at + limits.lsmValueChunkBytes))
  }
}

/**
 * Streams a value of up to limits.valueBytesMax into its own new value-log file, chunk by
 * chunk (never the whole value in memory), syncs it and makes its name durable. Returns the
 * chunked pointer; on any error the file is removed and the error rethrown.
 */
export async function writeChunkedValue(
  fs: FileSystem,
  dir: string,
  fileNo: number,
  readers: VlogReaders,
  ikey: Uint8Array,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<ValuePointer> {
  const writer = await createVlog(fs, dir, fileNo)
  try {
    let total = 0
    let offset = 0
    let length = 0
    let chunks = 0
    for await (const piece of source) {
      if (!(piece instanceof Uint8Array)) throw new ShoalError('bad-request', 'chunk must be bytes')
      total += piece.length
      if (total > limits.valueBytesMax) {
        throw new ShoalError('too-large', `value over ${limits.valueBytesMax} bytes`)
      }
      if (piece.length === 0) continue
      const part = writer.addChunks(ikey, split(piece))
      if (chunks === 0) offset = part.offset
      length += part.length
      chunks += part.chunks ?? 1
    }
    if (chunks === 0) {
      length = writer.addChunks(ikey, [new Uint8Array(0)]).length
      chunks = 1
    }
    await writer.finish()
    await fs.fsyncDir(dir)
    await readers.ensureOpen(fileNo)
    return { fileNo, offset, length, chunks }
  } catch (error) {
    writer.abandon()
    await fs.remove(joinPath(dir, vlogName(fileNo)))
    throw error
  }
}
