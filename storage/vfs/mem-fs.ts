/**
 * MemFileSystem: an in-memory, crashable FileSystem (pebble's vfs.NewCrashableMem, TESTING.md
 * part (a) rules D1-D2). It keeps, per file, how many bytes are synced; per directory, the
 * entries as of the last fsyncDir plus the operations since. `crashClone(prng, mode)` returns
 * the file system a crash leaves behind:
 *
 * - 'process' (SIGKILL): the page cache survives, so everything is kept, and what was unsynced
 *   stays unsynced in the clone (a later system crash may still lose it).
 * - 'system' (power loss): per file, unsynced appended bytes are dropped, or cut at a random
 *   512 B or 4 KiB boundary, or kept whole (seeded choice per file). A cut can fall inside a
 *   record: sector writes are not atomic. Per directory, each create, rename or remove since
 *   the last fsyncDir of that directory is independently kept or rolled back (seeded).
 *
 * Model choices, stated: `create` always makes a new inode (like O_TRUNC on a journaled fs, the
 * old content comes back only if the create itself is rolled back); a rename inside one
 * directory is one atomic operation, a rename across directories is one operation per
 * directory; `truncate` is synced (as the interface promises); directories made by `mkdirp`
 * are durable at once (tests that need lost directories are not a goal yet).
 *
 * Not safe for concurrent use from several threads; all methods finish synchronously even when
 * they return promises, so operations apply in call order.
 */
import { assert } from '../../shared/assert.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { Prng } from '../../shared/random/prng.ts'
import type { FileSystem, ReadableFile, WritableFile } from './vfs.ts'

export type CrashMode = 'process' | 'system'

/** One recorded file-system call, for ALICE-style crash-state enumeration and ordering checks. */
export type TraceEvent =
  | { op: 'create'; path: string }
  | { op: 'append'; path: string; offset: number; bytes: Uint8Array }
  | { op: 'sync'; path: string; sizeBytes: number }
  | { op: 'truncate'; path: string; sizeBytes: number }
  | { op: 'rename'; path: string; target: string }
  | { op: 'remove'; path: string }
  | { op: 'mkdirp'; path: string }
  | { op: 'fsyncDir'; path: string }

/** A file's content. Invariant: syncedBytes <= length <= data.length. */
class Inode {
  data: Uint8Array
  length: number
  syncedBytes: number

  constructor(data = new Uint8Array(64), length = 0, syncedBytes = 0) {
    assert(syncedBytes <= length && length <= data.length, 'inode invariant')
    this.data = data
    this.length = length
    this.syncedBytes = syncedBytes
  }

  append(bytes: Uint8Array): void {
    const needed = this.length + bytes.length
    if (needed > this.data.length) {
      let capacity = Math.max(64, this.data.length * 2)
      while (capacity < needed) capacity *= 2
      const grown = new Uint8Array(capacity)
      grown.set(this.data.subarray(0, this.length))
      this.data = grown
    }
    this.data.set(bytes, this.length)
    this.length = needed
  }

  clone(length: number, syncedBytes: number): Inode {
    return new Inode(this.data.slice(0, Math.max(length, 1)), length, syncedBytes)
  }
}

type Entry = { kind: 'file'; inode: Inode } | { kind: 'dir' }

/** One directory operation since the last fsyncDir: the names it changed and their new state. */
interface DirOp {
  changes: Array<{ name: string; entry: Entry | undefined }>
}

class Dir {
  readonly entries = new Map<string, Entry>()
  /** The entries as of the last fsyncDir (what a system crash falls back to). */
  synced = new Map<string, Entry>()
  /** Operations since the last fsyncDir, in order. */
  pending: DirOp[] = []

  apply(op: DirOp): void {
    for (const change of op.changes) {
      if (change.entry === undefined) this.entries.delete(change.name)
      else this.entries.set(change.name, change.entry)
    }
    this.pending.push(op)
  }

  sync(): void {
    this.synced = new Map(this.entries)
    this.pending = []
  }
}

function normalize(path: string): string {
  const absolute = path.startsWith('/')
  const parts = path.split('/').filter((part) => part !== '' && part !== '.')
  const joined = parts.join('/')
  return absolute ? `/${joined}` : joined === '' ? '.' : joined
}

function split(path: string): { dir: string; name: string } {
  const normal = normalize(path)
  const slash = normal.lastIndexOf('/')
  if (slash < 0) return { dir: '.', name: normal }
  return { dir: slash === 0 ? '/' : normal.slice(0, slash), name: normal.slice(slash + 1) }
}

function notFound(path: string): ShoalError {
  return new ShoalError('not-found', `no such file: ${path}`)
}

class MemReadableFile implements ReadableFile {
  readonly path: string
  readonly sizeBytes: number
  readonly #inode: Inode
  #closed = false

  constructor(path: string, inode: Inode) {
    this.path = path
    this.#inode = inode
    this.sizeBytes = inode.length
  }

  readAt(offset: number, length: number): Uint8Array {
    assert(!this.#closed, `readAt on closed file ${this.path}`)
    assert(Number.isSafeInteger(offset) && offset >= 0, 'offset must be a non-negative integer')
    assert(Number.isSafeInteger(length) && length >= 0, 'length must be a non-negative integer')
    const end = Math.min(this.#inode.length, offset + length)
    return this.#inode.data.slice(Math.min(offset, end), end)
  }

  close(): void {
    this.#closed = true
  }
}

class MemWritableFile implements WritableFile {
  readonly path: string
  readonly #inode: Inode
  readonly #fs: MemFileSystem
  #closed = false

  constructor(path: string, inode: Inode, fs: MemFileSystem) {
    this.path = path
    this.#inode = inode
    this.#fs = fs
  }

  get sizeBytes(): number {
    return this.#inode.length
  }

  append(bytes: Uint8Array): void {
    assert(!this.#closed, `append on closed file ${this.path}`)
    const offset = this.#inode.length
    this.#inode.append(bytes)
    this.#fs.record({ op: 'append', path: this.path, offset, bytes })
  }

  async sync(): Promise<void> {
    assert(!this.#closed, `sync on closed file ${this.path}`)
    this.#inode.syncedBytes = this.#inode.length
    this.#fs.record({ op: 'sync', path: this.path, sizeBytes: this.#inode.length })
  }

  close(): void {
    this.#closed = true
  }
}

export interface MemFileSystemOptions {
  /** Record every mutating call in `trace` (copies appended bytes). */
  readonly trace?: boolean
  /**
   * Called after every mutating call has taken effect (crash-point tests take a `crashClone`
   * here: a crash "just after" each operation). It must not call back into this file system's
   * mutating methods.
   */
  readonly onOperation?: (event: TraceEvent) => void
  /**
   * A directory fsync takes effect a turn of the event loop later, as a real one takes time:
   * what runs meanwhile (a write into a file created just before it, synced on its own) then
   * shows up in crash states as racing it. Off by default (some callers drive the file system
   * without an event loop turn between steps).
   */
  readonly slowDirSync?: boolean
}

export class MemFileSystem implements FileSystem {
  readonly #dirs = new Map<string, Dir>()
  readonly #tracing: boolean
  readonly #onOperation: ((event: TraceEvent) => void) | undefined
  readonly #slowDirSync: boolean
  /** Recorded calls, when tracing is on. */
  readonly trace: TraceEvent[] = []

  constructor(options: MemFileSystemOptions = {}) {
    this.#tracing = options.trace ?? false
    this.#onOperation = options.onOperation
    this.#slowDirSync = options.slowDirSync ?? false
    this.#dirs.set('/', new Dir())
    this.#dirs.set('.', new Dir())
  }

  /** @internal Used by open files to record their calls. */
  record(event: TraceEvent): void {
    if (this.#tracing) {
      this.trace.push(event.op === 'append' ? { ...event, bytes: event.bytes.slice() } : event)
    }
    this.#onOperation?.(event)
  }

  #dir(path: string): Dir {
    const dir = this.#dirs.get(normalize(path))
    if (dir === undefined) throw notFound(path)
    return dir
  }

  #inode(path: string): Inode {
    const { dir, name } = split(path)
    const entry = this.#dir(dir).entries.get(name)
    if (entry?.kind !== 'file') throw notFound(path)
    return entry.inode
  }

  async create(path: string): Promise<WritableFile> {
    const { dir, name } = split(path)
    const inode = new Inode()
    this.#dir(dir).apply({ changes: [{ name, entry: { kind: 'file', inode } }] })
    this.record({ op: 'create', path })
    return new MemWritableFile(path, inode, this)
  }

  async openAppend(path: string): Promise<WritableFile> {
    return new MemWritableFile(path, this.#inode(path), this)
  }

  async openRead(path: string): Promise<ReadableFile> {
    return new MemReadableFile(path, this.#inode(path))
  }

  async readFile(path: string): Promise<Uint8Array> {
    const inode = this.#inode(path)
    return inode.data.slice(0, inode.length)
  }

  async rename(source: string, target: string): Promise<void> {
    const from = split(source)
    const to = split(target)
    const inode = this.#inode(source)
    const targetDir = this.#dir(to.dir)
    const entry: Entry = { kind: 'file', inode }
    if (normalize(from.dir) === normalize(to.dir)) {
      targetDir.apply({
        changes: [
          { name: from.name, entry: undefined },
          { name: to.name, entry },
        ],
      })
    } else {
      this.#dir(from.dir).apply({ changes: [{ name: from.name, entry: undefined }] })
      targetDir.apply({ changes: [{ name: to.name, entry }] })
    }
    this.record({ op: 'rename', path: source, target })
  }

  async remove(path: string): Promise<void> {
    const { dir, name } = split(path)
    this.#inode(path)
    this.#dir(dir).apply({ changes: [{ name, entry: undefined }] })
    this.record({ op: 'remove', path })
  }

  async truncate(path: string, sizeBytes: number): Promise<void> {
    assert(Number.isSafeInteger(sizeBytes) && sizeBytes >= 0, 'size must be non-negative')
    const inode = this.#inode(path)
    if (sizeBytes > inode.length) inode.append(new Uint8Array(sizeBytes - inode.length))
    inode.data.fill(0, sizeBytes, inode.length)
    inode.length = sizeBytes
    inode.syncedBytes = sizeBytes
    this.record({ op: 'truncate', path, sizeBytes })
  }

  async list(dir: string): Promise<string[]> {
    return [...this.#dir(dir).entries.keys()].sort()
  }

  async mkdirp(dir: string): Promise<void> {
    const normal = normalize(dir)
    const parts = normal.split('/').filter((part) => part !== '')
    let current = normal.startsWith('/') ? '/' : '.'
    for (const part of parts) {
      if (part === '.') continue
      const parent = this.#dir(current)
      const next = current === '/' ? `/${part}` : current === '.' ? part : `${current}/${part}`
      const existing = parent.entries.get(part)
      if (existing?.kind === 'file') throw new ShoalError('io', `not a directory: ${next}`)
      if (existing === undefined) {
        parent.entries.set(part, { kind: 'dir' })
        parent.synced.set(part, { kind: 'dir' })
        this.#dirs.set(next, new Dir())
      }
      current = next
    }
    this.record({ op: 'mkdirp', path: dir })
  }

  async fsyncDir(dir: string): Promise<void> {
    const target = this.#dir(dir)
    if (this.#slowDirSync) await new Promise<void>((resolve) => setImmediate(resolve))
    target.sync()
    this.record({ op: 'fsyncDir', path: dir })
  }

  async exists(path: string): Promise<boolean> {
    const normal = normalize(path)
    if (this.#dirs.has(normal)) return true
    const { dir, name } = split(normal)
    return this.#dirs.get(dir)?.entries.has(name) ?? false
  }

  async sizeOf(path: string): Promise<number> {
    return this.#inode(path).length
  }

  /** Bytes of `path` that survive a system crash (for tests). */
  syncedBytesOf(path: string): number {
    return this.#inode(path).syncedBytes
  }

  /** The file system a crash of `mode` leaves behind; this one is left unchanged. */
  crashClone(prng: Prng, mode: CrashMode): MemFileSystem {
    const clone = new MemFileSystem({ trace: this.#tracing })
    const inodes = new Map<Inode, Inode>()
    const cloneInode = (inode: Inode): Inode => {
      let copy = inodes.get(inode)
      if (copy === undefined) {
        copy =
          mode === 'process'
            ? inode.clone(inode.length, inode.syncedBytes)
            : inode.clone(survivingBytes(prng, inode), inode.syncedBytes)
        if (mode === 'system') copy.syncedBytes = copy.length
        inodes.set(inode, copy)
      }
      return copy
    }
    const dirNames = [...this.#dirs.keys()].sort()
    for (const name of dirNames) {
      const dir = this.#dirs.get(name)
      assert(dir !== undefined, 'directory vanished')
      clone.#dirs.set(name, cloneDir(dir, mode, prng, cloneInode))
    }
    return clone
  }
}

/** D1: how many bytes of a file a system crash keeps (the synced ones, plus a seeded tail). */
function survivingBytes(prng: Prng, inode: Inode): number {
  const unsynced = inode.length - inode.syncedBytes
  if (unsynced === 0) return inode.length
  const choice = prng.intInclusive(0, 2)
  if (choice === 0) return inode.syncedBytes
  if (choice === 2) return inode.length
  const sector = prng.chance(0.5) ? 512 : 4096
  const firstBoundary = Math.ceil((inode.syncedBytes + 1) / sector) * sector
  if (firstBoundary >= inode.length) return inode.syncedBytes
  const boundaries = Math.floor((inode.length - 1 - firstBoundary) / sector) + 1
  return firstBoundary + prng.intInclusive(0, boundaries - 1) * sector
}

/** D2: a directory after a crash: synced entries plus the pending operations a crash kept. */
function cloneDir(dir: Dir, mode: CrashMode, prng: Prng, cloneInode: (inode: Inode) => Inode): Dir {
  const copyEntry = (entry: Entry): Entry =>
    entry.kind === 'dir' ? entry : { kind: 'file', inode: cloneInode(entry.inode) }
  const copy = new Dir()
  if (mode === 'process') {
    for (const [name, entry] of dir.synced) copy.synced.set(name, copyEntry(entry))
    for (const [name, entry] of dir.entries) copy.entries.set(name, copyEntry(entry))
    copy.pending = dir.pending.map((op) => ({
      changes: op.changes.map((change) => ({
        name: change.name,
        entry: change.entry === undefined ? undefined : copyEntry(change.entry),
      })),
    }))
    return copy
  }
  for (const [name, entry] of dir.synced) copy.entries.set(name, entry)
  for (const op of dir.pending) {
    if (prng.chance(0.5)) continue // rolled back
    for (const change of op.changes) {
      if (change.entry === undefined) copy.entries.delete(change.name)
      else copy.entries.set(change.name, change.entry)
    }
  }
  for (const [name, entry] of [...copy.entries]) copy.entries.set(name, copyEntry(entry))
  copy.sync()
  return copy
}
