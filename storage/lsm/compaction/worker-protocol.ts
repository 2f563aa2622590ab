/**
 * Messages between the db's thread and a background worker (structured clones). One job runs
 * at a time per worker; the worker asks for a file number when its reserved ones run out.
 */
import type { ErrorCode } from '../../../shared/errors.ts'
import type { SortedRunImage } from '../sorted-run-image.ts'
import type { TableWriterOptions } from '../sstable/writer.ts'
import type { MergeJob, MergeResult } from './compaction.ts'

interface JobCommon {
  readonly dir: string
  readonly writer: Omit<TableWriterOptions, 'onBlock'>
  /** File numbers reserved for the job's outputs. */
  readonly fileNos: readonly number[]
  /** Room in the db's block cache: the worker decodes output blocks up to this for it. */
  readonly offerBytes: number
  /** The nice value the worker thread runs the job at (Linux only; see DbOptions). */
  readonly nice: number
}

/** A merging compaction. */
export interface MergeWorkerJob extends JobCommon {
  readonly kind: 'merge'
  readonly job: MergeJob
  readonly targetFileBytes: number
  /** See DbOptions.portableRetention; undefined: the default (latest version only). */
  readonly retention: { readonly moduleUrl: string; readonly data: unknown } | undefined
}

/** A memtable flush: its entries written as one L0 table. */
export interface FlushWorkerJob extends JobCommon {
  readonly kind: 'flush'
  readonly image: SortedRunImage
}

export type WorkerJob = MergeWorkerJob | FlushWorkerJob

/** A decoded data block of an output table (DecodedBlock.buffer, `count` entries). */
export interface OfferedBlock {
  readonly fileNo: number
  readonly index: number
  readonly count: number
  readonly buffer: ArrayBuffer
}

export type ToWorker =
  | { readonly type: 'job'; readonly id: number; readonly job: WorkerJob }
  | { readonly type: 'file-no'; readonly id: number; readonly fileNo: number }

export type FromWorker =
  | {
      readonly type: 'done'
      readonly id: number
      readonly result: MergeResult
      /** Decoded output blocks for the db's cache (buffers transferred). */
      readonly blocks: readonly OfferedBlock[]
    }
  | {
      readonly type: 'failed'
      readonly id: number
      readonly code: ErrorCode
      readonly message: string
    }
  | { readonly type: 'file-no'; readonly id: number }
  | { readonly type: 'ready' }
