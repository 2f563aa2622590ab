/**
 * FileSystem: every byte the storage node reads or writes goes through this interface, so tests
 * can swap in an in-memory crashable file system or one that injects faults (pebble's vfs.FS).
 *
 * Sync vs async, on purpose:
 * - Reads (`readAt`) and appends (`append`) are synchronous. They hit the OS page cache and cost
 *   microseconds; routing them through libuv's thread pool (fs.promises) costs tens of
 *   microseconds per call, which is the overhead LevelDB-in-Node pays on every get.
 * - `sync()` (fdatasync) and `fsyncDir()` are asynchronous: they wait for the device, and the
 *   event loop keeps serving while they do. Group commit batches writers onto one sync().
 *
 * Durability contract (what a crash keeps): bytes appended to a file survive a system crash
 * only after `sync()` on that file resolved; a create, rename or remove survives only after
 * `fsyncDir()` on its directory resolved. A process crash (SIGKILL) keeps everything written,
 * because the page cache survives; the in-memory implementation models both kinds.
 *
 * Failure policy (fsyncgate): if `sync()` or `fsyncDir()` rejects, the caller must treat the
 * data as lost and stop (a storage node exits); it must never retry the sync and carry on.
 *
 * Paths are plain strings joined with '/'. Errors are ShoalErrors: 'not-found' for a missing
 * file, 'disk-full' for ENOSPC, 'io' for anything else the OS refused.
 */

export interface ReadableFile {
  readonly path: string
  readonly sizeBytes: number
  /** Reads exactly `length` bytes at `offset` (fewer only at end of file). Returns a new buffer. */
  readAt(offset: number, length: number): Uint8Array
  close(): void
}

export interface WritableFile {
  readonly path: string
  /** Bytes in the file, synced or not; the offset of the next append. */
  readonly sizeBytes: number
  /**
   * Appends at the end. Durable only after sync(). The bytes are taken before it returns: the
   * caller may reuse the array (BufferedWritableFile refills one buffer).
   */
  append(bytes: Uint8Array): void
  /** fdatasync. Rejection means data may be lost: the caller must stop (see failure policy). */
  sync(): Promise<void>
  close(): void
}

export interface FileSystem {
  /** Creates (or truncates) a file for appending. The directory entry needs fsyncDir. */
  create(path: string): Promise<WritableFile>
  /** Opens an existing file for appending at its end (e.g. a WAL after recovery). */
  openAppend(path: string): Promise<WritableFile>
  openRead(path: string): Promise<ReadableFile>
  readFile(path: string): Promise<Uint8Array>
  /** Atomically replaces `target` with `source` (POSIX rename). Durable after fsyncDir. */
  rename(source: string, target: string): Promise<void>
  remove(path: string): Promise<void>
  /** Shrinks a file to `sizeBytes` (e.g. cutting a torn WAL tail); synced before returning. */
  truncate(path: string, sizeBytes: number): Promise<void>
  /** File names (not paths) directly in `dir`, sorted. */
  list(dir: string): Promise<string[]>
  mkdirp(dir: string): Promise<void>
  fsyncDir(dir: string): Promise<void>
  exists(path: string): Promise<boolean>
  sizeOf(path: string): Promise<number>
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`
}

export function dirOf(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash <= 0 ? (slash === 0 ? '/' : '.') : path.slice(0, slash)
}
