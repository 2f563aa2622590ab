/**
 * VersionEdit: one change to the version set, appended to the MANIFEST as one log record
 * (wal/record.ts framing) whose payload is a msgpack map:
 *
 *   | logNumber? | nextFileNo? | lastSeq? | metadata? (bytes) | addFiles? [[level, FileMeta]] |
 *   | deleteFiles? [[level, fileNo]] | addVlogs? [VlogMeta] | deleteVlogs? [fileNo] |
 *
 * The first record of every manifest is a snapshot: the whole version as additions.
 */
import { pack, unpack } from 'msgpackr'
import { corruption } from '../../../shared/errors.ts'
import { compareInternal } from '../internal-key.ts'
import { Version, type FileMeta, type VlogMeta } from './version.ts'

export interface VersionEdit {
  logNumber?: number
  nextFileNo?: number
  lastSeq?: number
  metadata?: Uint8Array
  addFiles?: Array<[number, FileMeta]>
  deleteFiles?: Array<[number, number]>
  addVlogs?: VlogMeta[]
  deleteVlogs?: number[]
}

export function encodeEdit(edit: VersionEdit): Uint8Array {
  return new Uint8Array(pack(edit))
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

function checkFile(meta: unknown): meta is FileMeta {
  const m = meta as Record<string, unknown> | undefined
  return (
    typeof m === 'object' &&
    m !== null &&
    ['fileNo', 'sizeBytes', 'minSeq', 'maxSeq', 'maxTimestamp', 'maxVersion', 'entries'].every(
      (name) => isCount(m[name]),
    ) &&
    m['smallest'] instanceof Uint8Array &&
    m['largest'] instanceof Uint8Array &&
    Array.isArray(m['vlogRefs'])
  )
}

export function decodeEdit(payload: Uint8Array, path: string, offset: number): VersionEdit {
  let raw: unknown
  try {
    raw = unpack(payload)
  } catch {
    throw corruption(path, offset, 'undecodable manifest edit')
  }
  const edit = raw as VersionEdit
  const ok =
    typeof raw === 'object' &&
    raw !== null &&
    (edit.addFiles ?? []).every(([level, meta]) => isCount(level) && checkFile(meta)) &&
    (edit.deleteFiles ?? []).every(([level, fileNo]) => isCount(level) && isCount(fileNo)) &&
    (edit.addVlogs ?? []).every((v) => isCount(v.fileNo) && isCount(v.sizeBytes)) &&
    (edit.metadata === undefined || edit.metadata instanceof Uint8Array)
  if (!ok) throw corruption(path, offset, 'malformed manifest edit')
  return edit
}

/** The version after `edit`; `path` names the manifest in errors on an impossible edit. */
export function applyEdit(base: Version, edit: VersionEdit, path: string): Version {
  const levels = base.levels.map((files) => [...files])
  for (const [level, fileNo] of edit.deleteFiles ?? []) {
    const files = levels[level]
    const at = files?.findIndex((f) => f.fileNo === fileNo) ?? -1
    if (files === undefined || at < 0) {
      throw corruption(path, 0, `edit deletes unknown table ${fileNo} on L${level}`)
    }
    files.splice(at, 1)
  }
  for (const [level, meta] of edit.addFiles ?? []) {
    const files = levels[level]
    if (files === undefined) throw corruption(path, 0, `edit adds table to bad level ${level}`)
    files.push(meta)
  }
  levels[0]!.sort((a, b) => b.maxSeq - a.maxSeq || b.fileNo - a.fileNo)
  for (let level = 1; level < levels.length; level++) {
    levels[level]!.sort((a, b) => compareInternal(a.smallest, b.smallest))
  }
  const vlogs = new Map(base.vlogs)
  for (const fileNo of edit.deleteVlogs ?? []) vlogs.delete(fileNo)
  for (const vlog of edit.addVlogs ?? []) vlogs.set(vlog.fileNo, vlog)
  return new Version(levels, vlogs)
}

/** The whole version as one edit: the first record of a fresh manifest. */
export function snapshotEdit(version: Version): VersionEdit {
  const addFiles: Array<[number, FileMeta]> = []
  version.levels.forEach((files, level) => {
    for (const file of files) addFiles.push([level, file])
  })
  return { addFiles, addVlogs: [...version.vlogs.values()] }
}
