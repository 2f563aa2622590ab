/**
 * Recovery helpers for Db.open: replay the WAL files the manifest does not cover into a
 * memtable, and remove files no version references (orphans of a crash between writing a file
 * and installing the edit that names it). A torn WAL tail is dropped; corruption before the
 * tail stops the open with an error naming the file and offset (wal/record.ts).
 */
import { corruption, isShoalError } from '../../shared/errors.ts'
import { joinPath, type FileSystem } from '../vfs/vfs.ts'
import { manifestName, parseFileName, tableName, vlogName, walName } from './file-names.ts'
import type { Version } from './manifest/version.ts'
import type { Memtable } from './memtable.ts'
import { readRecords } from './wal/record.ts'
import { decodeBatch } from './write-batch.ts'

export interface WalReplay {
  readonly lastSeq: number
  readonly maxFileNo: number
  readonly records: number
  readonly tornTails: number
}

export async function replayWals(
  fs: FileSystem,
  dir: string,
  logNumber: number,
  memtable: Memtable,
  skipCorrupt = false,
): Promise<WalReplay> {
  let lastSeq = 0
  let maxFileNo = 0
  let records = 0
  let tornTails = 0
  const walNos: number[] = []
  for (const name of await fs.list(dir)) {
    const parsed = parseFileName(name)
    if (parsed === undefined) continue
    maxFileNo = Math.max(maxFileNo, parsed.fileNo)
    if (parsed.kind === 'wal' && parsed.fileNo >= logNumber) walNos.push(parsed.fileNo)
  }
  walNos.sort((a, b) => a - b)
  for (const walNo of walNos) {
    const path = joinPath(dir, walName(walNo))
    const result = readRecords(await fs.readFile(path), path, skipCorrupt)
    if (result.tornTail) tornTails++
    for (const record of result.records) {
      const batch = decodeBatch(record.payload, `${path} record at offset ${record.offset}`)
      memtable.apply(batch.ops, batch.firstSeq)
      lastSeq = Math.max(lastSeq, batch.firstSeq + batch.ops.length - 1)
      records++
    }
  }
  return { lastSeq, maxFileNo, records, tornTails }
}

/** Deletes tables, value logs, WALs and manifests that the live state does not name. */
export async function removeOrphans(
  fs: FileSystem,
  dir: string,
  live: { version: Version; logNumber: number; walNo: number; manifestNo: number },
): Promise<string[]> {
  const tables = live.version.fileNos()
  const removed: string[] = []
  for (const name of await fs.list(dir)) {
    const parsed = parseFileName(name)
    if (parsed === undefined) continue
    const n = parsed.fileNo
    const orphan =
      (parsed.kind === 'table' && !tables.has(n) && name === tableName(n)) ||
      (parsed.kind === 'vlog' && !live.version.vlogs.has(n) && name === vlogName(n)) ||
      (parsed.kind === 'wal' && n < live.logNumber && n !== live.walNo && name === walName(n)) ||
      (parsed.kind === 'manifest' && n !== live.manifestNo && name === manifestName(n)) ||
      parsed.kind === 'temp'
    if (!orphan) continue
    await fs.remove(joinPath(dir, name))
    removed.push(name)
  }
  if (removed.length > 0) await fs.fsyncDir(dir)
  return removed
}

/** A file the manifest names but the directory lacks is corruption, not a plain not-found. */
export async function missingIsCorruption<T>(path: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open()
  } catch (error) {
    if (isShoalError(error, 'not-found')) {
      throw corruption(path, 0, 'file named by the manifest is missing')
    }
    throw error
  }
}
