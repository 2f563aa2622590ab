/**
 * VersionSet: the current Version plus the counters that must survive a restart (next file
 * number, last sequence, the oldest live WAL, the caller's metadata such as a raft applied
 * index). Each change is a VersionEdit appended to the MANIFEST and fsynced before it is
 * installed. On open a fresh manifest is written (snapshot edit) and CURRENT is switched to it
 * atomically: write CURRENT.tmp, fsync it, rename over CURRENT, fsync the directory.
 */
import { corruption, isShoalError } from '../../../shared/errors.ts'
import { limits } from '../../../shared/limits.ts'
import { fromUtf8, utf8 } from '../../../shared/codecs/bytes.ts'
import { joinPath, type FileSystem, type WritableFile } from '../../vfs/vfs.ts'
import { CURRENT, CURRENT_TEMP, manifestName } from '../file-names.ts'
import { frameRecord, readRecords } from '../wal/record.ts'
import {
  applyEdit,
  decodeEdit,
  encodeEdit,
  snapshotEdit,
  type VersionEdit,
} from './version-edit.ts'
import { Version } from './version.ts'

export interface RecoveredState {
  readonly version: Version
  readonly nextFileNo: number
  readonly lastSeq: number
  readonly logNumber: number
  readonly metadata: Uint8Array | undefined
  readonly manifestNo: number
}

export function emptyVersion(levelsMax: number): Version {
  return new Version(
    Array.from({ length: levelsMax }, () => []),
    new Map(),
  )
}

/** Reads CURRENT and replays its manifest; undefined for a directory without a database. */
export async function recoverManifest(
  fs: FileSystem,
  dir: string,
  levelsMax: number,
): Promise<RecoveredState | undefined> {
  const currentPath = joinPath(dir, CURRENT)
  if (!(await fs.exists(currentPath))) return undefined
  const text = fromUtf8(await fs.readFile(currentPath))
  const match = /^MANIFEST-(\d{6,})\n$/.exec(text)
  if (match === null) throw corruption(currentPath, 0, 'malformed CURRENT pointer')
  const manifestNo = Number(match[1])
  const path = joinPath(dir, manifestName(manifestNo))
  let bytes: Uint8Array
  try {
    bytes = await fs.readFile(path)
  } catch (error) {
    if (isShoalError(error, 'not-found')) {
      throw corruption(currentPath, 0, `CURRENT names missing manifest ${path}`)
    }
    throw error
  }
  const { records } = readRecords(bytes, path)
  if (records.length === 0) throw corruption(path, 0, 'manifest without a snapshot record')
  let version = emptyVersion(levelsMax)
  let state = { nextFileNo: manifestNo + 1, lastSeq: 0, logNumber: 0 }
  let metadata: Uint8Array | undefined
  for (const record of records) {
    const edit = decodeEdit(record.payload, path, record.offset)
    version = applyEdit(version, edit, path)
    state = {
      nextFileNo: Math.max(state.nextFileNo, edit.nextFileNo ?? 0),
      lastSeq: Math.max(state.lastSeq, edit.lastSeq ?? 0),
      logNumber: Math.max(state.logNumber, edit.logNumber ?? 0),
    }
    if (edit.metadata !== undefined) metadata = new Uint8Array(edit.metadata)
  }
  return { version, ...state, metadata, manifestNo }
}

export interface VersionSetOptions {
  /** A manifest past this size is rewritten as a snapshot (default limits.lsmManifestBytesMax). */
  readonly manifestBytesMax?: number
  /** Planted bug 'no-dir-fsync-after-rename' (tests only): CURRENT's rename is not fsynced. */
  readonly skipRenameSync?: boolean
}

export class VersionSet {
  readonly #fs: FileSystem
  readonly #dir: string
  current: Version
  nextFileNo: number
  lastSeq: number
  logNumber: number
  metadata: Uint8Array | undefined
  manifestNo = 0
  #manifest: WritableFile | undefined
  #chain: Promise<void> = Promise.resolve()
  manifestBytesWritten = 0
  readonly #options: VersionSetOptions

  constructor(
    fs: FileSystem,
    dir: string,
    state: Omit<RecoveredState, 'manifestNo'>,
    options: VersionSetOptions = {},
  ) {
    this.#fs = fs
    this.#dir = dir
    this.#options = options
    this.current = state.version
    this.nextFileNo = state.nextFileNo
    this.lastSeq = state.lastSeq
    this.logNumber = state.logNumber
    this.metadata = state.metadata
  }

  newFileNo(): number {
    return this.nextFileNo++
  }

  #counters(): VersionEdit {
    const edit: VersionEdit = {
      nextFileNo: this.nextFileNo,
      lastSeq: this.lastSeq,
      logNumber: this.logNumber,
    }
    if (this.metadata !== undefined) edit.metadata = this.metadata
    return edit
  }

  /** Starts a new manifest holding the whole state and points CURRENT at it. */
  async writeSnapshot(): Promise<number> {
    const manifestNo = this.newFileNo()
    const path = joinPath(this.#dir, manifestName(manifestNo))
    const file = await this.#fs.create(path)
    const edit = { ...snapshotEdit(this.current), ...this.#counters() }
    const record = frameRecord(encodeEdit(edit))
    file.append(record)
    await file.sync()
    await this.#fs.fsyncDir(this.#dir)
    const temp = joinPath(this.#dir, CURRENT_TEMP)
    const pointer = await this.#fs.create(temp)
    pointer.append(utf8(`${manifestName(manifestNo)}\n`))
    await pointer.sync()
    pointer.close()
    await this.#fs.rename(temp, joinPath(this.#dir, CURRENT))
    if (this.#options.skipRenameSync !== true) await this.#fs.fsyncDir(this.#dir)
    const previous = this.manifestNo
    this.#manifest?.close()
    this.#manifest = file
    this.manifestNo = manifestNo
    if (previous !== 0) await this.#fs.remove(joinPath(this.#dir, manifestName(previous)))
    this.manifestBytesWritten += record.length
    return manifestNo
  }

  get manifestBytes(): number {
    return this.#manifest?.sizeBytes ?? 0
  }

  /**
   * Appends `edit` (with the current counters) to the manifest, fsyncs it and installs the new
   * version. Calls are serialized; `prepare` runs just before the write, inside the queue.
   */
  logAndApply(
    edit: VersionEdit,
    install?: (version: Version, previous: Version) => void,
  ): Promise<Version> {
    const run = async (): Promise<Version> => {
      const manifest = this.#manifest
      if (manifest === undefined) throw new Error('version set has no manifest')
      if (edit.logNumber !== undefined) this.logNumber = Math.max(this.logNumber, edit.logNumber)
      if (edit.metadata !== undefined) this.metadata = edit.metadata
      const full = { ...edit, ...this.#counters() }
      const next = applyEdit(this.current, full, manifest.path)
      const record = frameRecord(encodeEdit(full))
      manifest.append(record)
      await manifest.sync()
      this.manifestBytesWritten += record.length
      const previous = this.current
      this.current = next
      install?.(next, previous)
      const rollover = this.#options.manifestBytesMax ?? limits.lsmManifestBytesMax
      if (manifest.sizeBytes > rollover) await this.writeSnapshot()
      return next
    }
    const result = this.#chain.then(run)
    this.#chain = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }

  close(): void {
    this.#manifest?.close()
    this.#manifest = undefined
  }
}
