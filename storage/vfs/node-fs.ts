/**
 * NodeFileSystem: the real FileSystem over node:fs. Reads and appends use synchronous syscalls
 * (page-cache speed, no thread-pool hop); fsync and directory fsync are asynchronous.
 */
import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'
import { ShoalError } from '../../shared/errors.ts'
import type { FileSystem, ReadableFile, WritableFile } from './vfs.ts'

function mapError(error: unknown, path: string): ShoalError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return new ShoalError('not-found', `no such file: ${path}`)
  if (code === 'ENOSPC') return new ShoalError('disk-full', `disk full writing ${path}`)
  const message = error instanceof Error ? error.message : String(error)
  return new ShoalError('io', `${path}: ${message}`, { cause: error })
}

class NodeReadableFile implements ReadableFile {
  readonly path: string
  readonly sizeBytes: number
  readonly #fd: number

  constructor(path: string, fd: number, sizeBytes: number) {
    this.path = path
    this.#fd = fd
    this.sizeBytes = sizeBytes
  }

  readAt(offset: number, length: number): Uint8Array {
    const buffer = Buffer.allocUnsafe(length)
    let done = 0
    try {
      while (done < length) {
        const read = fs.readSync(this.#fd, buffer, done, length - done, offset + done)
        if (read === 0) break
        done += read
      }
    } catch (error) {
      throw mapError(error, this.path)
    }
    return done === length ? buffer : buffer.subarray(0, done)
  }

  close(): void {
    fs.closeSync(this.#fd)
  }
}

class NodeWritableFile implements WritableFile {
  readonly path: string
  readonly #fd: number
  #sizeBytes: number

  constructor(path: string, fd: number, sizeBytes: number) {
    this.path = path
    this.#fd = fd
    this.#sizeBytes = sizeBytes
  }

  get sizeBytes(): number {
    return this.#sizeBytes
  }

  append(bytes: Uint8Array): void {
    let done = 0
    try {
      while (done < bytes.length) {
        done += fs.writeSync(this.#fd, bytes, done, bytes.length - done, this.#sizeBytes + done)
      }
    } catch (error) {
      throw mapError(error, this.path)
    } finally {
      this.#sizeBytes += done
    }
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.fdatasync(this.#fd, (error) => (error ? reject(mapError(error, this.path)) : resolve()))
    })
  }

  close(): void {
    fs.closeSync(this.#fd)
  }
}

export class NodeFileSystem implements FileSystem {
  async create(path: string): Promise<WritableFile> {
    try {
      const fd = fs.openSync(path, 'w')
      return new NodeWritableFile(path, fd, 0)
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async openAppend(path: string): Promise<WritableFile> {
    try {
      const fd = fs.openSync(path, 'r+')
      return new NodeWritableFile(path, fd, fs.fstatSync(fd).size)
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async openRead(path: string): Promise<ReadableFile> {
    try {
      const fd = fs.openSync(path, 'r')
      return new NodeReadableFile(path, fd, fs.fstatSync(fd).size)
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async readFile(path: string): Promise<Uint8Array> {
    try {
      return await fsp.readFile(path)
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async rename(source: string, target: string): Promise<void> {
    try {
      await fsp.rename(source, target)
    } catch (error) {
      throw mapError(error, source)
    }
  }

  async remove(path: string): Promise<void> {
    try {
      await fsp.rm(path, { force: false })
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async truncate(path: string, sizeBytes: number): Promise<void> {
    try {
      const handle = await fsp.open(path, 'r+')
      try {
        await handle.truncate(sizeBytes)
        await handle.datasync()
      } finally {
        await handle.close()
      }
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await fsp.readdir(dir)).sort()
    } catch (error) {
      throw mapError(error, dir)
    }
  }

  async mkdirp(dir: string): Promise<void> {
    try {
      await fsp.mkdir(dir, { recursive: true })
    } catch (error) {
      throw mapError(error, dir)
    }
  }

  async fsyncDir(dir: string): Promise<void> {
    try {
      const handle = await fsp.open(dir, 'r')
      try {
        await handle.sync()
      } finally {
        await handle.close()
      }
    } catch (error) {
      throw mapError(error, dir)
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await fsp.access(path)
      return true
    } catch {
      return false
    }
  }

  async sizeOf(path: string): Promise<number> {
    try {
      return (await fsp.stat(path)).size
    } catch (error) {
      throw mapError(error, path)
    }
  }
}
