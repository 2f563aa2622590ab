/**
 * Background workers: flushes and merging compactions on worker threads. They are most of an
 * LSM's write work (each byte is written once by a flush and about once per level by
 * compactions); on the db's thread they competed with the writers and readers it serves, and
 * their garbage paused them in young-generation GCs. A worker opens the input tables itself (a
 * flush gets the memtable's entries as an image) and writes the outputs to the real file
 * system; the db's thread keeps every decision (plans, snapshots, file numbers) and installs
 * each result as it would an inline job's. Flushes and merges get a worker each, so a flush
 * never waits behind a long compaction. Value-log GC stays inline.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Worker } from 'node:worker_threads'
import { assert } from '../../../shared/assert.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { startModuleWorker } from '../../../shared/runtime/module-worker.ts'
import type { BlockCache } from '../block-cache.ts'
import type { Memtable } from '../memtable.ts'
import type { PortableRetention } from '../retention.ts'
import { DecodedBlock } from '../sstable/decoded-block.ts'
import type { MergeJob, MergeResult } from './compaction.ts'
import type { FromWorker, OfferedBlock, ToWorker, WorkerJob } from './worker-protocol.ts'

const OFFER_SLICE = 256

const moduleExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
const workerModule = new URL(`./background-worker-main${moduleExtension}`, import.meta.url)

interface RunningJob {
  readonly id: number
  readonly resolve: (result: MergeResult) => void
  readonly reject: (error: Error) => void
}

/** The db options a worker job needs. */
export interface WorkerSettings {
  readonly dir: string
  readonly blockBytes: number
  readonly bloomBitsPerKey: number
  readonly targetFileBytes: number
  readonly portableRetention: PortableRetention | undefined
  /** The workers' nice value (DbOptions.backgroundNice). */
  readonly backgroundNice: number
  readonly newFileNo: () => number
  /**
   * Room in the db's block cache now; output blocks decoded up to it (a merge's only when its
   * job says offerBlocks) come back via `offer`.
   */
  readonly cacheRoomBytes: () => number
  readonly offer: (fileNo: number, index: number, block: DecodedBlock) => void
}

/** Where a db's flushes and merging compactions run. */
export interface Background {
  merge(job: MergeJob): Promise<MergeResult>
  /** Writes a memtable's table on a worker; undefined: flushes run on the db's thread. */
  readonly flush: ((memtable: Memtable) => Promise<MergeResult>) | undefined
  /** Starts the workers (else each starts on its first job); resolves once they listen. */
  ready(): Promise<void>
  close(): Promise<void>
}

/** Two workers when options.backgroundWorkers, else merges `inline` on the db's thread. */
export function backgroundFor(
  o: Omit<WorkerSettings, 'cacheRoomBytes' | 'offer' | 'newFileNo'> & {
    readonly backgroundWorkers: boolean
    readonly blockCacheBytes: number
  },
  cache: BlockCache,
  newFileNo: () => number,
  inline: (job: MergeJob) => Promise<MergeResult>,
): Background {
  if (!o.backgroundWorkers) {
    const done = (): Promise<void> => Promise.resolve()
    return { merge: inline, flush: undefined, ready: done, close: done }
  }
  const settings: WorkerSettings = {
    ...o,
    newFileNo,
    cacheRoomBytes: () => o.blockCacheBytes - cache.usedBytes,
    offer: (fileNo, index, block) => cache.offerDecoded(fileNo, index, block),
  }
  const merges = new BackgroundWorker(settings, 'shoal-compaction')
  const flushes = new BackgroundWorker(settings, 'shoal-flush')
  return {
    merge: (job) => merges.merge(job),
    flush: (memtable) => flushes.flush(memtable),
    ready: async () => {
      await Promise.all([merges.ready(), flushes.ready()])
    },
    close: async () => {
      await Promise.all([merges.close(), flushes.close()])
    },
  }
}

export class BackgroundWorker {
  readonly #settings: WorkerSettings
  #worker: Worker | undefined
  #job: RunningJob | undefined
  #nextId = 1
  #closed = false
  /** Settles when the worker has loaded its module (or failed to). */
  #loaded: Promise<void> | undefined
  #onLoaded: ((error?: Error) => void) | undefined

  readonly #name: string

  constructor(settings: WorkerSettings, name: string) {
    this.#settings = settings
    this.#name = name
  }

  /**
   * Runs one merge. Output file numbers are reserved up front (a quarter over the input size
   * in tables, plus two); `settings.newFileNo` serves the worker past them.
   */
  merge(job: MergeJob): Promise<MergeResult> {
    const o = this.#settings
    const inputBytes = job.inputs.reduce((sum, i) => sum + i.file.sizeBytes, 0)
    const expected = job.split ? Math.ceil((inputBytes * 1.25) / o.targetFileBytes) + 2 : 1
    const retention = o.portableRetention
    return this.#run({
      kind: 'merge',
      ...this.#common(expected),
      job,
      targetFileBytes: o.targetFileBytes,
      retention: retention && { moduleUrl: retention.moduleUrl, data: retention.data() },
    })
  }

  /** Writes an immutable memtable's entries as one table (the worker reads them in place). */
  flush(memtable: Memtable): Promise<MergeResult> {
    return this.#run({ kind: 'flush', ...this.#common(1), image: memtable.image() })
  }

  #common(fileNos: number): Omit<WorkerJob, 'kind'> {
    const o = this.#settings
    return {
      dir: o.dir,
      writer: { blockBytes: o.blockBytes, bloomBitsPerKey: o.bloomBitsPerKey },
      fileNos: Array.from({ length: fileNos }, o.newFileNo),
      nice: o.backgroundNice,
      offerBytes: o.cacheRoomBytes(),
    }
  }

  #run(job: WorkerJob): Promise<MergeResult> {
    if (this.#closed) return Promise.reject(new ShoalError('closed', `${this.#name} worker closed`))
    assert(this.#job === undefined, 'one job at a time per worker')
    const worker = this.#worker ?? this.#start()
    return new Promise<MergeResult>((resolve, reject) => {
      const id = this.#nextId++
      this.#job = { id, resolve, reject }
      // Referenced only while a job runs: an idle worker must not keep the process alive.
      worker.ref()
      this.#post({ type: 'job', id, job })
    })
  }

  /** Starts the worker if it is not running; resolves once it has loaded and listens. */
  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new ShoalError('closed', `${this.#name} worker closed`))
    if (this.#worker === undefined) this.#start()
    return this.#loaded!
  }

  async close(): Promise<void> {
    this.#closed = true
    const worker = this.#worker
    this.#worker = undefined
    if (worker !== undefined) await worker.terminate()
  }

  #start(): Worker {
    const worker = startModuleWorker(workerModule, this.#name)
    worker.unref()
    this.#loaded = new Promise<void>((resolve, reject) => {
      this.#onLoaded = (error) => (error === undefined ? resolve() : reject(error))
    })
    this.#loaded.catch(() => undefined) // also reported to the job that needed the worker
    worker.on('message', (message: FromWorker) => this.#onMessage(message))
    worker.on('error', (error: Error) => {
      this.#fail(new ShoalError('internal', `${this.#name} worker: ${error.message}`))
    })
    worker.on('exit', (code: number) => {
      if (this.#worker === worker) this.#worker = undefined
      const why = this.#closed ? 'closed' : 'internal'
      this.#fail(new ShoalError(why, `${this.#name} worker exited (code ${code})`))
    })
    this.#worker = worker
    return worker
  }

  #post(message: ToWorker): void {
    this.#worker?.postMessage(message)
  }

  #fail(error: Error): void {
    this.#onLoaded?.(error)
    this.#finish(undefined, error)
  }

  #onMessage(message: FromWorker): void {
    if (message.type === 'ready') {
      this.#onLoaded?.()
      return
    }
    const job = this.#job
    if (job === undefined || message.id !== job.id) return
    switch (message.type) {
      case 'file-no':
        this.#post({ type: 'file-no', id: job.id, fileNo: this.#settings.newFileNo() })
        return
      case 'done':
        this.#offerInSlices(message.blocks).then(
          () => this.#finish(message.result, undefined),
          (error: unknown) =>
            this.#finish(undefined, error instanceof Error ? error : new Error(String(error))),
        )
        return
      case 'failed':
        this.#finish(undefined, new ShoalError(message.code, message.message))
        return
    }
  }

  /** Hands the decoded blocks to the cache a slice per event-loop turn (a flush has thousands). */
  async #offerInSlices(blocks: readonly OfferedBlock[]): Promise<void> {
    for (let at = 0; at < blocks.length; at += OFFER_SLICE) {
      if (at > 0) await nextTurn()
      for (const block of blocks.slice(at, at + OFFER_SLICE)) {
        const decoded = DecodedBlock.fromBuffer(block.buffer, block.count)
        this.#settings.offer(block.fileNo, block.index, decoded)
      }
    }
  }

  #finish(result: MergeResult | undefined, error: Error | undefined): void {
    const job = this.#job
    if (job === undefined) return
    this.#job = undefined
    this.#worker?.unref()
    if (error !== undefined) job.reject(error)
    else job.resolve(result!)
  }
}
