/**
 * TableSink: where flushes, compactions and value-log GC write their sorted output. It cuts
 * tables at the target size (only between user keys, so a key never spans two tables of one
 * level), moves large inline values into a fresh value-log file (flush), relocates values out of
 * value-log files being collected (GC), and finishes by fsyncing every file and the directory.
 */
import { assert } from '../../shared/assert.ts'
import { BufferedWritableFile } from '../vfs/buffered-file.ts'
import { joinPath, type FileSystem, type WritableFile } from '../vfs/vfs.ts'
import {
  decodePointer,
  encodePointer,
  inlinePayload,
  readExpiry,
  type ValuePointer,
} from './entry-value.ts'
import { tableName, vlogName } from './file-names.ts'
import { Kind, kindOf, withKind } from './internal-key.ts'
import type { FileMeta, VlogMeta } from './manifest/version.ts'
import { TableWriter, type TableWriterOptions } from './sstable/writer.ts'
import { createVlog, type VlogReaders, type VlogWriter } from './value-log/value-log.ts'

/** Table bytes gathered per write syscall. */
const WRITE_BUFFER_BYTES = 256 * 1024

export interface SinkContext {
  readonly fs: FileSystem
  readonly dir: string
  /** A fresh file number (a compaction worker may have to ask the db's thread for one). */
  readonly newFileNo: () => number | Promise<number>
  readonly writer: TableWriterOptions
  /** Value-log readers, needed only to relocate values (GC). */
  readonly vlogs?: VlogReaders
  readonly vlogThresholdBytes: number
  /** Offers a data block just written to a table (its bytes valid during the call) to a cache. */
  readonly offerBlock?: (fileNo: number, path: string, index: number, bytes: Uint8Array) => void
}

export interface SinkOptions {
  readonly targetFileBytes: number
  /** Move inline values at or above the threshold into the value log (flush). */
  readonly separateValues: boolean
  /** Value-log files whose live values are copied into the new value log (GC). */
  readonly relocate: ReadonlySet<number>
  /** Offer each data block written to `ctx.offerBlock` (flush: fresh data is read soon). */
  readonly offerBlocks?: boolean
}

export interface SinkResult {
  readonly files: FileMeta[]
  readonly vlog: VlogMeta | undefined
  readonly bytesWritten: number
}

function* chunkValues(vlogs: VlogReaders, pointer: ValuePointer): Generator<Uint8Array> {
  for (const record of vlogs.records(pointer)) yield record.value
}

export class TableSink {
  readonly #ctx: SinkContext
  readonly #options: SinkOptions
  #writer: TableWriter | undefined
  #file: WritableFile | undefined
  #fileNo = 0
  #vlog: VlogWriter | undefined
  readonly #done: FileMeta[] = []
  #bytesWritten = 0
  #vlogBytes = 0

  constructor(ctx: SinkContext, options: SinkOptions) {
    this.#ctx = ctx
    this.#options = options
  }

  /** True when a new table should start before the next user key. */
  get full(): boolean {
    return (
      this.#writer === undefined || this.#writer.estimatedBytes >= this.#options.targetFileBytes
    )
  }

  get needsVlog(): boolean {
    return (this.#options.separateValues || this.#options.relocate.size > 0) && !this.#vlog
  }

  async openVlog(): Promise<void> {
    this.#vlog = await createVlog(this.#ctx.fs, this.#ctx.dir, await this.#ctx.newFileNo())
  }

  async nextTable(): Promise<void> {
    await this.#closeTable()
    this.#fileNo = await this.#ctx.newFileNo()
    const path = joinPath(this.#ctx.dir, tableName(this.#fileNo))
    this.#file = new BufferedWritableFile(await this.#ctx.fs.create(path), WRITE_BUFFER_BYTES)
    const offer = this.#options.offerBlocks === true ? this.#ctx.offerBlock : undefined
    const fileNo = this.#fileNo
    const onBlock = offer && ((i: number, bytes: Uint8Array) => offer(fileNo, path, i, bytes))
    this.#writer = new TableWriter(this.#file, { ...this.#ctx.writer, onBlock })
  }

  /** Adds one entry; call nextTable() first when `full` at a user-key boundary. */
  add(ikey: Uint8Array, entry: Uint8Array): void {
    const kind = kindOf(ikey)
    const vlog = this.#vlog
    if (kind === Kind.value && this.#options.separateValues && vlog !== undefined) {
      const payload = inlinePayload(entry, this.#writer!.path)
      if (payload.length >= this.#ctx.vlogThresholdBytes) {
        const pointerKey = withKind(ikey, Kind.pointer)
        const pointer = vlog.add(pointerKey, payload)
        const [expiresAtMs] = readExpiry(entry, this.#writer!.path)
        this.#writer!.add(pointerKey, encodePointer(pointer, expiresAtMs))
        return
      }
    }
    if (kind === Kind.pointer && vlog !== undefined) {
      const pointer = decodePointer(entry, this.#writer!.path)
      const vlogs = this.#ctx.vlogs
      if (this.#options.relocate.has(pointer.fileNo)) {
        assert(vlogs !== undefined, 'relocating values needs value-log readers')
        const [expiresAtMs] = readExpiry(entry, this.#writer!.path)
        const moved =
          pointer.chunks === undefined
            ? vlog.add(ikey, vlogs.read(pointer))
            : vlog.addChunks(ikey, chunkValues(vlogs, pointer))
        this.#writer!.add(ikey, encodePointer(moved, expiresAtMs))
        return
      }
    }
    this.#writer!.add(ikey, entry)
  }

  async #closeTable(): Promise<void> {
    const writer = this.#writer
    const file = this.#file
    if (writer === undefined || file === undefined) return
    const { sizeBytes, properties } = writer.finish()
    await file.sync()
    file.close()
    this.#bytesWritten += sizeBytes
    this.#done.push({
      fileNo: this.#fileNo,
      sizeBytes,
      smallest: properties.smallest,
      largest: properties.largest,
      minSeq: properties.minSeq,
      maxSeq: properties.maxSeq,
      maxTimestamp: properties.maxTimestamp,
      maxVersion: properties.maxVersion,
      entries: properties.entries,
      vlogRefs: properties.vlogRefs,
    })
    this.#writer = undefined
    this.#file = undefined
  }

  /** Syncs and closes every output, fsyncs the directory; an empty value log is removed. */
  async finish(): Promise<SinkResult> {
    await this.#closeTable()
    let vlog: VlogMeta | undefined
    if (this.#vlog !== undefined) {
      const size = this.#vlog.sizeBytes
      await this.#vlog.finish()
      if (size > 0) {
        vlog = { fileNo: this.#vlog.fileNo, sizeBytes: size }
        this.#vlogBytes = size
      } else {
        await this.#ctx.fs.remove(joinPath(this.#ctx.dir, vlogName(this.#vlog.fileNo)))
      }
    }
    await this.#ctx.fs.fsyncDir(this.#ctx.dir)
    return { files: this.#done, vlog, bytesWritten: this.#bytesWritten + this.#vlogBytes }
  }
}
