/**
 * Value log files: a writer used by flushes and GC (values at or above the threshold leave the
 * SSTable), and a set of open readers. A .vlog file is registered in the manifest in the same
 * edit as the tables that point into it, after both are fsynced, and deleted only once no live
 * or pinned version references it, so no reader ever follows a dangling pointer.
 */
import { concatBytes } from '../../../shared/codecs/bytes.ts'
import { corruption, ShoalError } from '../../../shared/errors.ts'
import { limits } from '../../../shared/limits.ts'
import { joinPath, type FileSystem, type ReadableFile, type WritableFile } from '../../vfs/vfs.ts'
import type { ValuePointer } from '../entry-value.ts'
import { vlogName } from '../file-names.ts'
import { decodeVlogRecord, encodeVlogHead, encodeVlogRecord, VLOG_HEADER_BYTES } from './record.ts'

export class VlogWriter {
  readonly fileNo: number
  readonly #file: WritableFile
  #syncedBytes = 0
  #syncing: Promise<void> | undefined
  #finished = false

  constructor(fileNo: number, file: WritableFile) {
    this.fileNo = fileNo
    this.#file = file
  }

  get sizeBytes(): number {
    return this.#file.sizeBytes
  }

  /** Appends one record: its head, then the value as given (no copy of a large value). */
  add(ikey: Uint8Array, value: Uint8Array): ValuePointer {
    const head = encodeVlogHead(ikey, value)
    const offset = this.#file.sizeBytes
    this.#file.append(head)
    this.#file.append(value)
    return { fileNo: this.fileNo, offset, length: head.length + value.length }
  }

  /**
   * Makes every record appended so far durable; concurrent callers share one fdatasync (the
   * write-time value log is synced just before the WAL records that point into it).
   */
  async syncAll(): Promise<void> {
    for (;;) {
      const target = this.#file.sizeBytes
      if (this.#finished || this.#syncedBytes >= target) return
      if (this.#syncing === undefined) {
        this.#syncing = this.#file.sync().then(
          () => {
            this.#syncedBytes = Math.max(this.#syncedBytes, target)
            this.#syncing = undefined
          },
          (error: unknown) => {
            this.#syncing = undefined
            throw error
          },
        )
      }
      await this.#syncing
    }
  }

  /** Appended bytes not yet covered by a finished or running sync. */
  get unsyncedBytes(): number {
    return this.#syncing === undefined ? this.#file.sizeBytes - this.#syncedBytes : 0
  }

  /** Appends a chunked value's records back to back (one pointer covers them all). */
  addChunks(ikey: Uint8Array, chunks: Iterable<Uint8Array>): ValuePointer {
    const offset = this.#file.sizeBytes
    let count = 0
    for (const chunk of chunks) {
      this.#file.append(encodeVlogRecord(ikey, chunk))
      count++
    }
    return { fileNo: this.fileNo, offset, length: this.#file.sizeBytes - offset, chunks: count }
  }

  /** Syncs and closes; later syncAll calls return at once. Idempotent. */
  async finish(): Promise<void> {
    if (this.#finished) return
    while (this.#syncing !== undefined) await this.#syncing
    if (this.#finished) return
    await this.#file.sync()
    this.#finished = true
    this.#file.close()
  }

  /** Closes without syncing (db close after a failure; the file stays as it is). */
  abandon(): void {
    if (this.#finished) return
    this.#finished = true
    this.#file.close()
  }
}

export class VlogReaders {
  readonly #fs: FileSystem
  readonly #dir: string
  readonly #open = new Map<number, ReadableFile>()
  bytesRead = 0

  constructor(fs: FileSystem, dir: string) {
    this.#fs = fs
    this.#dir = dir
  }

  /** Opens a file before it can be read (reads are synchronous). */
  async ensureOpen(fileNo: number): Promise<void> {
    if (this.#open.has(fileNo)) return
    const file = await this.#fs.openRead(joinPath(this.#dir, vlogName(fileNo)))
    if (this.#open.has(fileNo)) file.close()
    else this.#open.set(fileNo, file)
  }

  read(pointer: ValuePointer): Uint8Array {
    if (pointer.chunks !== undefined) return this.#readChunked(pointer)
    const file = this.#open.get(pointer.fileNo)
    const path = joinPath(this.#dir, vlogName(pointer.fileNo))
    if (file === undefined) throw corruption(path, pointer.offset, 'pointer into unknown vlog')
    // A size check against the open handle is stale for a file still being written by GC, but
    // pointers are published only after the file is complete.
    const bytes = file.readAt(pointer.offset, pointer.length)
    if (bytes.length !== pointer.length) {
      throw corruption(path, pointer.offset, 'value-log record past end of file')
    }
    this.bytesRead += bytes.length
    return decodeVlogRecord(bytes, path, pointer.offset).value
  }

  /** A chunked value whole, when it fits in one buffer (limits.lsmValueBytesMax). */
  #readChunked(pointer: ValuePointer): Uint8Array {
    const parts: Uint8Array[] = []
    let total = 0
    for (const { value } of this.records(pointer)) {
      total += value.length
      if (total > limits.lsmValueBytesMax) {
        throw new ShoalError('too-large', `value over ${limits.lsmValueBytesMax} B: use getStream`)
      }
      parts.push(value)
    }
    return concatBytes(parts, total)
  }

  /** The records a pointer covers, one at a time (a chunked value streams through here). */
  *records(pointer: ValuePointer): Generator<{ ikey: Uint8Array; value: Uint8Array }> {
    if (pointer.chunks === undefined) {
      yield this.readRecord(pointer)
      return
    }
    const file = this.#open.get(pointer.fileNo)
    const path = joinPath(this.#dir, vlogName(pointer.fileNo))
    if (file === undefined) throw corruption(path, pointer.offset, 'pointer into unknown vlog')
    const end = pointer.offset + pointer.length
    let at = pointer.offset
    for (let i = 0; i < pointer.chunks; i++) {
      const header = file.readAt(at, VLOG_HEADER_BYTES)
      if (header.length !== VLOG_HEADER_BYTES) throw corruption(path, at, 'chunk past end')
      const view = new DataView(header.buffer, header.byteOffset, header.byteLength)
      const size = VLOG_HEADER_BYTES + view.getUint32(4, true) + view.getUint32(8, true)
      if (at + size > end) throw corruption(path, at, 'chunk past the end of its value')
      const bytes = file.readAt(at, size)
      if (bytes.length !== size) throw corruption(path, at, 'value-log record past end of file')
      this.bytesRead += size
      yield decodeVlogRecord(bytes, path, at)
      at += size
    }
    if (at !== end) throw corruption(path, at, 'chunked value shorter than its pointer')
  }

  readRecord(pointer: ValuePointer): { ikey: Uint8Array; value: Uint8Array } {
    const file = this.#open.get(pointer.fileNo)
    const path = joinPath(this.#dir, vlogName(pointer.fileNo))
    if (file === undefined) throw corruption(path, pointer.offset, 'pointer into unknown vlog')
    const bytes = file.readAt(pointer.offset, pointer.length)
    return decodeVlogRecord(bytes, path, pointer.offset)
  }

  close(fileNo: number): void {
    this.#open.get(fileNo)?.close()
    this.#open.delete(fileNo)
  }

  closeAll(): void {
    for (const file of this.#open.values()) file.close()
    this.#open.clear()
  }
}

export async function createVlog(fs: FileSystem, dir: string, fileNo: number) {
  return new VlogWriter(fileNo, await fs.create(joinPath(dir, vlogName(fileNo))))
}
