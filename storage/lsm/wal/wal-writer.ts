/**
 * WalWriter: appends framed batches to one WAL file and syncs them with group commit: writers
 * that arrive while an fdatasync runs share the next one, so N concurrent durable writers cost
 * about two fsyncs, not N. A sync failure is fatal (fsyncgate): every later call rejects with it.
 */
import type { WritableFile } from '../../vfs/vfs.ts'
import { frameRecord } from './record.ts'

export class WalWriter {
  readonly fileNo: number
  readonly #file: WritableFile
  #syncedBytes = 0
  #syncing: Promise<void> | undefined
  #failure: Error | undefined
  #retired = false
  syncCount = 0
  bytesWritten = 0

  readonly #onSync: () => void
  readonly #beforeSync: () => Promise<void>

  /** `beforeSync` runs inside each group sync, first (syncs the value log the records name). */
  constructor(
    fileNo: number,
    file: WritableFile,
    onSync: () => void = () => undefined,
    beforeSync: () => Promise<void> = async () => undefined,
  ) {
    this.fileNo = fileNo
    this.#file = file
    this.#onSync = onSync
    this.#beforeSync = beforeSync
    this.#syncedBytes = file.sizeBytes
  }

  get path(): string {
    return this.#file.path
  }

  get sizeBytes(): number {
    return this.#file.sizeBytes
  }

  /** Appends one record; returns the end offset to pass to syncTo. Synchronous. */
  append(payload: Uint8Array): number {
    const framed = frameRecord(payload)
    this.#file.append(framed)
    this.bytesWritten += framed.length
    return this.#file.sizeBytes
  }

  /** Resolves once bytes up to `offset` are durable (or the WAL was retired after a flush). */
  async syncTo(offset: number): Promise<void> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure
      if (this.#syncedBytes >= offset || this.#retired) return
      if (this.#syncing === undefined) this.#syncing = this.#runSync()
      await this.#syncing
    }
  }

  async #runSync(): Promise<void> {
    const target = this.#file.sizeBytes
    try {
      this.syncCount++
      this.#onSync()
      await this.#beforeSync()
      await this.#file.sync()
      this.#syncedBytes = Math.max(this.#syncedBytes, target)
    } catch (error) {
      this.#failure = error instanceof Error ? error : new Error(String(error))
    } finally {
      this.#syncing = undefined
    }
  }

  /** The memtable this WAL protects is in a durable SSTable: waiters need no sync any more. */
  async retire(): Promise<void> {
    while (this.#syncing !== undefined) await this.#syncing
    this.#retired = true
    this.#file.close()
  }
}
