// FileSystem conformance: one suite every implementation must pass (node-fs on a temp dir,
// mem-fs, fault-fs with faults off), so the simulator's fakes behave like the real disk.
// Each test gets a fresh root directory from the factory and checks one promise of vfs.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { fromUtf8, utf8 } from '../../shared/codecs/bytes.ts'
import { joinPath } from '../../storage/vfs/vfs.ts'
import type { FileSystem } from '../../storage/vfs/vfs.ts'

export interface FileSystemUnderTest {
  readonly fs: FileSystem
  /** An existing, empty directory for this test. */
  readonly root: string
  cleanup(): Promise<void>
}

export interface FileSystemConformanceOptions {
  readonly name: string
  newFs(): Promise<FileSystemUnderTest>
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(isShoalError(error), `expected a ShoalError, got ${String(error)}`).toBe(true)
  if (isShoalError(error)) expect(error.code).toBe(code)
}

interface Context {
  readonly name: string
  fs(): FileSystem
  root(): string
  at(name: string): string
}

export function runFileSystemConformance(options: FileSystemConformanceOptions): void {
  describe(`FileSystem conformance: ${options.name}`, () => {
    let under: FileSystemUnderTest | undefined
    const current = (): FileSystemUnderTest => {
      if (under === undefined) throw new Error('file system not set up')
      return under
    }
    beforeEach(async () => {
      under = await options.newFs()
    })
    afterEach(async () => {
      await current().cleanup()
      under = undefined
    })
    const context: Context = {
      name: options.name,
      fs: () => current().fs,
      root: () => current().root,
      at: (name) => joinPath(current().root, name),
    }
    fileCases(context)
    namespaceCases(context)
    directoryCases(context)
  })
}

function fileCases(context: Context): void {
  const { name, at } = context
  it(`${name}: create, append, sync: readFile returns the bytes`, async () => {
    const fs = context.fs()
    const file = await fs.create(at('a.log'))
    file.append(utf8('hello, '))
    file.append(utf8('world'))
    expect(file.sizeBytes).toBe(12)
    await file.sync()
    file.close()
    expect(fromUtf8(await fs.readFile(at('a.log')))).toBe('hello, world')
    expect(await fs.sizeOf(at('a.log'))).toBe(12)
  })

  it(`${name}: create on an existing file: truncates it`, async () => {
    const fs = context.fs()
    const first = await fs.create(at('a'))
    first.append(utf8('old content'))
    first.close()
    const second = await fs.create(at('a'))
    second.append(utf8('new'))
    second.close()
    expect(fromUtf8(await fs.readFile(at('a')))).toBe('new')
  })

  it(`${name}: openAppend: continues at the end`, async () => {
    const fs = context.fs()
    const file = await fs.create(at('w'))
    file.append(utf8('abc'))
    file.close()
    const again = await fs.openAppend(at('w'))
    expect(again.sizeBytes).toBe(3)
    again.append(utf8('def'))
    await again.sync()
    again.close()
    expect(fromUtf8(await fs.readFile(at('w')))).toBe('abcdef')
  })

  it(`${name}: readAt: exact ranges, short read at end of file`, async () => {
    const fs = context.fs()
    const file = await fs.create(at('r'))
    file.append(utf8('0123456789'))
    file.close()
    const reader = await fs.openRead(at('r'))
    expect(reader.sizeBytes).toBe(10)
    expect(fromUtf8(reader.readAt(2, 3))).toBe('234')
    expect(fromUtf8(reader.readAt(8, 10))).toBe('89')
    expect(reader.readAt(10, 4).length).toBe(0)
    expect(reader.readAt(3, 0).length).toBe(0)
    reader.close()
  })

  it(`${name}: reader open while appending: sees later appends`, async () => {
    const fs = context.fs()
    const file = await fs.create(at('live'))
    file.append(utf8('one'))
    const reader = await fs.openRead(at('live'))
    file.append(utf8('two'))
    expect(fromUtf8(reader.readAt(0, 6))).toBe('onetwo')
    reader.close()
    file.close()
  })
}

function namespaceCases(context: Context): void {
  const { name, at } = context
  it(`${name}: rename: replaces the target atomically`, async () => {
    const fs = context.fs()
    const a = await fs.create(at('a'))
    a.append(utf8('A'))
    a.close()
    const b = await fs.create(at('b'))
    b.append(utf8('B'))
    b.close()
    await fs.rename(at('a'), at('b'))
    await fs.fsyncDir(context.root())
    expect(await fs.exists(at('a'))).toBe(false)
    expect(fromUtf8(await fs.readFile(at('b')))).toBe('A')
    expect(await fs.list(context.root())).toEqual(['b'])
  })

  it(`${name}: remove: the file is gone`, async () => {
    const fs = context.fs()
    const file = await fs.create(at('gone'))
    file.close()
    expect(await fs.exists(at('gone'))).toBe(true)
    await fs.remove(at('gone'))
    expect(await fs.exists(at('gone'))).toBe(false)
  })

  it(`${name}: missing files: not-found errors`, async () => {
    const fs = context.fs()
    await expectCode(fs.openRead(at('none')), 'not-found')
    await expectCode(fs.openAppend(at('none')), 'not-found')
    await expectCode(fs.readFile(at('none')), 'not-found')
    await expectCode(fs.remove(at('none')), 'not-found')
    await expectCode(fs.rename(at('none'), at('other')), 'not-found')
    await expectCode(fs.sizeOf(at('none')), 'not-found')
    await expectCode(fs.truncate(at('none'), 0), 'not-found')
    await expectCode(fs.list(at('no-dir')), 'not-found')
    await expectCode(fs.create(at('no-dir/file')), 'not-found')
  })

  it(`${name}: truncate: shrinks the file`, async () => {
    const fs = context.fs()
    const file = await fs.create(at('t'))
    file.append(utf8('0123456789'))
    await file.sync()
    file.close()
    await fs.truncate(at('t'), 4)
    expect(fromUtf8(await fs.readFile(at('t')))).toBe('0123')
    const again = await fs.openAppend(at('t'))
    expect(again.sizeBytes).toBe(4)
    again.append(utf8('x'))
    again.close()
    expect(fromUtf8(await fs.readFile(at('t')))).toBe('0123x')
  })
}

function directoryCases(context: Context): void {
  const { name, at } = context
  it(`${name}: list and mkdirp: sorted names, nested dirs, idempotent`, async () => {
    const fs = context.fs()
    await fs.mkdirp(at('d/e/f'))
    await fs.mkdirp(at('d/e'))
    for (const name of ['c', 'a', 'b']) (await fs.create(at(`d/${name}`))).close()
    expect(await fs.list(at('d'))).toEqual(['a', 'b', 'c', 'e'])
    expect(await fs.list(at('d/e'))).toEqual(['f'])
    expect(await fs.exists(at('d/e/f'))).toBe(true)
    await fs.fsyncDir(at('d'))
  })

  it(`${name}: empty file: size zero, empty readFile`, async () => {
    const fs = context.fs()
    ;(await fs.create(at('empty'))).close()
    expect(await fs.sizeOf(at('empty'))).toBe(0)
    expect((await fs.readFile(at('empty'))).length).toBe(0)
  })
}
