/**
 * FaultFileSystem: wraps any FileSystem and injects failures per operation kind (pebble's
 * vfs/errorfs), for TESTING.md rule D3 (fsync may return EIO) and disk-full tests.
 *
 * A rule fails an operation kind either deterministically ("the 3rd sync") or with a seeded
 * probability, with a ShoalError of code 'io' (EIO) or 'disk-full' (ENOSPC). A failed append
 * may first write a seeded prefix of its bytes (`tornAppend`), as a real short write does.
 * Async operations can be delayed by a seeded latency through injected Timers, so the
 * simulator controls when they finish. With no rules and no latency it is a pass-through,
 * and it runs the shared FileSystem conformance suite in that mode.
 */
import { assert } from '../../shared/assert.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { Prng } from '../../shared/random/prng.ts'
import type { Timers } from '../../shared/time/clock.ts'
import type { FileSystem, ReadableFile, WritableFile } from './vfs.ts'

export const faultOps = [
  'create',
  'openAppend',
  'openRead',
  'readFile',
  'rename',
  'remove',
  'truncate',
  'list',
  'mkdirp',
  'fsyncDir',
  'exists',
  'sizeOf',
  'append',
  'sync',
  'readAt',
] as const

export type FaultOp = (typeof faultOps)[number]

export interface FaultRule {
  readonly op: FaultOp
  /** Fail exactly the nth call (1-based) of this op kind, counted from construction. */
  readonly nth?: number
  /** Fail each call with this probability (drawn from the Prng). */
  readonly probability?: number
  /** Only calls whose path contains this string count and fail. */
  readonly pathIncludes?: string
  /** 'io' (EIO) unless given. */
  readonly code?: 'io' | 'disk-full'
  /** For appends: write a seeded prefix of the bytes before failing. */
  readonly tornAppend?: boolean
}

export interface FaultLatency {
  readonly timers: Timers
  readonly minMs: number
  readonly maxMs: number
}

export interface FaultFileSystemOptions {
  readonly prng: Prng
  readonly rules?: readonly FaultRule[]
  readonly latency?: FaultLatency
}

export class FaultFileSystem implements FileSystem {
  readonly #inner: FileSystem
  readonly #prng: Prng
  readonly #rules: FaultRule[]
  readonly #latency: FaultLatency | undefined
  /** Calls seen per op kind (matching any path), and failures injected. */
  readonly stats = { calls: new Map<FaultOp, number>(), injected: 0 }
  readonly #ruleCounts = new Map<FaultRule, number>()

  constructor(inner: FileSystem, options: FaultFileSystemOptions) {
    this.#inner = inner
    this.#prng = options.prng
    this.#rules = [...(options.rules ?? [])]
    this.#latency = options.latency
    for (const rule of this.#rules) validateRule(rule)
    if (options.latency !== undefined) {
      assert(options.latency.minMs >= 0, 'latency minMs must be non-negative')
      assert(options.latency.maxMs >= options.latency.minMs, 'latency maxMs below minMs')
    }
  }

  addRule(rule: FaultRule): void {
    validateRule(rule)
    this.#rules.push(rule)
  }

  clearRules(): void {
    this.#rules.length = 0
  }

  /** Throws the injected failure for this call, if any rule fires. */
  check(op: FaultOp, path: string): void {
    const rule = this.#firing(op, path)
    if (rule !== undefined) throw this.#failure(rule, op, path)
  }

  #firing(op: FaultOp, path: string): FaultRule | undefined {
    this.stats.calls.set(op, (this.stats.calls.get(op) ?? 0) + 1)
    let fired: FaultRule | undefined
    for (const rule of this.#rules) {
      if (rule.op !== op) continue
      if (rule.pathIncludes !== undefined && !path.includes(rule.pathIncludes)) continue
      const count = (this.#ruleCounts.get(rule) ?? 0) + 1
      this.#ruleCounts.set(rule, count)
      const hit =
        (rule.nth !== undefined && rule.nth === count) ||
        (rule.probability !== undefined && this.#prng.chance(rule.probability))
      if (hit && fired === undefined) fired = rule
    }
    if (fired !== undefined) this.stats.injected++
    return fired
  }

  #failure(rule: FaultRule, op: FaultOp, path: string): ShoalError {
    const code = rule.code ?? 'io'
    const what = code === 'disk-full' ? 'disk full (injected ENOSPC)' : 'injected EIO'
    return new ShoalError(code, `${op} ${path}: ${what}`)
  }

  /** @internal Append through the rules: may write a torn prefix before failing. */
  appendChecked(file: WritableFile, bytes: Uint8Array): void {
    const rule = this.#firing('append', file.path)
    if (rule === undefined) return file.append(bytes)
    if (rule.tornAppend === true && bytes.length > 0) {
      file.append(bytes.subarray(0, this.#prng.intInclusive(0, bytes.length - 1)))
    }
    throw this.#failure(rule, 'append', file.path)
  }

  /** @internal Waits the seeded latency, if configured. */
  async delay(): Promise<void> {
    const latency = this.#latency
    if (latency === undefined) return
    const ms = this.#prng.intInclusive(latency.minMs, latency.maxMs)
    await new Promise<void>((resolve) => latency.timers.after(ms, resolve))
  }

  async #run<T>(op: FaultOp, path: string, action: () => Promise<T>): Promise<T> {
    await this.delay()
    this.check(op, path)
    return action()
  }

  async create(path: string): Promise<WritableFile> {
    const file = await this.#run('create', path, () => this.#inner.create(path))
    return new FaultWritableFile(file, this)
  }

  async openAppend(path: string): Promise<WritableFile> {
    const file = await this.#run('openAppend', path, () => this.#inner.openAppend(path))
    return new FaultWritableFile(file, this)
  }

  async openRead(path: string): Promise<ReadableFile> {
    const file = await this.#run('openRead', path, () => this.#inner.openRead(path))
    return new FaultReadableFile(file, this)
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.#run('readFile', path, () => this.#inner.readFile(path))
  }

  rename(source: string, target: string): Promise<void> {
    return this.#run('rename', source, () => this.#inner.rename(source, target))
  }

  remove(path: string): Promise<void> {
    return this.#run('remove', path, () => this.#inner.remove(path))
  }

  truncate(path: string, sizeBytes: number): Promise<void> {
    return this.#run('truncate', path, () => this.#inner.truncate(path, sizeBytes))
  }

  list(dir: string): Promise<string[]> {
    return this.#run('list', dir, () => this.#inner.list(dir))
  }

  mkdirp(dir: string): Promise<void> {
    return this.#run('mkdirp', dir, () => this.#inner.mkdirp(dir))
  }

  fsyncDir(dir: string): Promise<void> {
    return this.#run('fsyncDir', dir, () => this.#inner.fsyncDir(dir))
  }

  exists(path: string): Promise<boolean> {
    return this.#run('exists', path, () => this.#inner.exists(path))
  }

  sizeOf(path: string): Promise<number> {
    return this.#run('sizeOf', path, () => this.#inner.sizeOf(path))
  }
}

function validateRule(rule: FaultRule): void {
  assert(faultOps.includes(rule.op), `unknown fault op ${rule.op}`)
  assert(rule.nth !== undefined || rule.probability !== undefined, 'rule needs nth or probability')
  if (rule.nth !== undefined) assert(Number.isSafeInteger(rule.nth) && rule.nth >= 1, 'nth >= 1')
  if (rule.probability !== undefined) {
    assert(rule.probability >= 0 && rule.probability <= 1, 'probability must be in [0, 1]')
  }
}

class FaultWritableFile implements WritableFile {
  readonly #inner: WritableFile
  readonly #fs: FaultFileSystem

  constructor(inner: WritableFile, fs: FaultFileSystem) {
    this.#inner = inner
    this.#fs = fs
  }

  get path(): string {
    return this.#inner.path
  }

  get sizeBytes(): number {
    return this.#inner.sizeBytes
  }

  append(bytes: Uint8Array): void {
    this.#fs.appendChecked(this.#inner, bytes)
  }

  async sync(): Promise<void> {
    await this.#fs.delay()
    this.#fs.check('sync', this.#inner.path)
    await this.#inner.sync()
  }

  close(): void {
    this.#inner.close()
  }
}

class FaultReadableFile implements ReadableFile {
  readonly #inner: ReadableFile
  readonly #fs: FaultFileSystem

  constructor(inner: ReadableFile, fs: FaultFileSystem) {
    this.#inner = inner
    this.#fs = fs
  }

  get path(): string {
    return this.#inner.path
  }

  get sizeBytes(): number {
    return this.#inner.sizeBytes
  }

  readAt(offset: number, length: number): Uint8Array {
    this.#fs.check('readAt', this.#inner.path)
    return this.#inner.readAt(offset, length)
  }

  close(): void {
    this.#inner.close()
  }
}
