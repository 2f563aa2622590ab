/**
 * A background worker thread (see background-worker.ts). A merge opens its input tables and
 * runs runMerge; a flush writes a memtable's image as a table.
 * Either replies with the output tables and their decoded blocks for the db's cache.
 */
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import { assert } from '../../../shared/assert.ts'
import { isShoalError } from '../../../shared/errors.ts'
import { limits } from '../../../shared/limits.ts'
import { NodeFileSystem } from '../../vfs/node-fs.ts'
import { joinPath } from '../../vfs/vfs.ts'
import { BlockCache } from '../block-cache.ts'
import { tableName } from '../file-names.ts'
import { missingIsCorruption } from '../recovery.ts'
import { keepLatestOnly, type RetentionFn } from '../retention.ts'
import { decodeBlock } from '../sstable/decoded-block.ts'
import { TableReader } from '../sstable/reader.ts'
import { SortedRunCursor } from '../sorted-run-image.ts'
import { runMerge, writeSorted, type JobContext, type MergeResult } from './compaction.ts'
import type {
  FromWorker,
  MergeWorkerJob,
  OfferedBlock,
  ToWorker,
  WorkerJob,
} from './worker-protocol.ts'

/**
 * A merge reads its inputs with uncached scans (TableReader.scan); a reader still needs a cache
 * to open, so each job gets an empty, small one.
 */
const CACHE_BYTES = 64 * 1024

const port = parentPort
assert(port !== null, 'background-worker-main runs in a worker thread')
const fs = new NodeFileSystem()
const retentionModules = new Map<string, (data: unknown) => RetentionFn>()
let fileNoWaiter: ((fileNo: number) => void) | undefined
let niceNow = 0

/**
 * Linux keeps a nice value per thread, and setpriority(PRIO_PROCESS, 0) sets the calling
 * thread's; elsewhere it would set the whole process's, so it is left alone there.
 */
function runAtNice(nice: number): void {
  if (nice === niceNow || process.platform !== 'linux') return
  setPriority(0, nice)
  niceNow = nice
}

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer)
}

function askFileNo(id: number): Promise<number> {
  return new Promise((resolve) => {
    fileNoWaiter = resolve
    post({ type: 'file-no', id })
  })
}

async function retentionOf(spec: MergeWorkerJob['retention']): Promise<RetentionFn> {
  if (spec === undefined) return keepLatestOnly
  let make = retentionModules.get(spec.moduleUrl)
  if (make === undefined) {
    const module = (await import(spec.moduleUrl)) as { retentionFromData?: unknown }
    assert(typeof module.retentionFromData === 'function', 'retention module lacks the factory')
    make = module.retentionFromData as (data: unknown) => RetentionFn
    retentionModules.set(spec.moduleUrl, make)
  }
  return make(spec.data)
}

interface JobOutput {
  readonly result: MergeResult
  readonly blocks: OfferedBlock[]
}

async function openInputs(job: WorkerJob, cache: BlockCache): Promise<Map<number, TableReader>> {
  const tables = new Map<number, TableReader>()
  if (job.kind !== 'merge') return tables
  try {
    for (const { file } of job.job.inputs) {
      const path = joinPath(job.dir, tableName(file.fileNo))
      const open = (): Promise<TableReader> => TableReader.open(fs, path, file.fileNo, cache)
      tables.set(file.fileNo, await missingIsCorruption(path, open))
    }
  } catch (error) {
    for (const table of tables.values()) table.close()
    throw error
  }
  return tables
}

async function runJob(id: number, job: WorkerJob): Promise<JobOutput> {
  runAtNice(job.nice)
  const cache = new BlockCache(CACHE_BYTES)
  const blocks: OfferedBlock[] = []
  let offered = 0
  const offerBlock = (fileNo: number, path: string, index: number, bytes: Uint8Array): void => {
    if (offered + 2 * bytes.length > job.offerBytes) return
    const block = decodeBlock(bytes, path, 0)
    offered += block.chargeBytes
    blocks.push({ fileNo, index, count: block.count, buffer: block.buffer })
  }
  const tables = await openInputs(job, cache)
  try {
    let reserved = 0
    const ctx: JobContext = {
      fs,
      dir: job.dir,
      newFileNo: () => (reserved < job.fileNos.length ? job.fileNos[reserved++]! : askFileNo(id)),
      writer: job.writer,
      offerBlock,
      vlogThresholdBytes: limits.valueBytesMax,
      table: (fileNo) => {
        const table = tables.get(fileNo)
        assert(table !== undefined, `input table ${fileNo} not open`)
        return table
      },
      retention: job.kind === 'merge' ? await retentionOf(job.retention) : keepLatestOnly,
      yieldNow: () => Promise.resolve(),
      targetFileBytes: job.kind === 'merge' ? job.targetFileBytes : Number.POSITIVE_INFINITY,
    }
    if (job.kind === 'merge') return { result: await runMerge(ctx, job.job), blocks }
    const { files, bytesWritten } = await writeSorted(ctx, new SortedRunCursor(job.image), false)
    return { result: { files, bytesWritten }, blocks }
  } finally {
    for (const table of tables.values()) table.close()
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'file-no') {
    const waiter = fileNoWaiter
    fileNoWaiter = undefined
    waiter?.(message.fileNo)
    return
  }
  const { id } = message
  runJob(id, message.job).then(
    ({ result, blocks }) => {
      const buffers = blocks.map((block) => block.buffer)
      post({ type: 'done', id, result, blocks }, buffers)
    },
    (error: unknown) => {
      const code = isShoalError(error) ? error.code : 'internal'
      post({
        type: 'failed',
        id,
        code,
        message: String(error instanceof Error ? error.message : error),
      })
    },
  )
})

// Loaded and listening: the db's thread may count on this worker from now on.
post({ type: 'ready' })
