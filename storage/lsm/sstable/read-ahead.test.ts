// Table read-ahead: a block-cache miss reads the following uncached blocks in the same read while
// the cache has room, and only then. Method: real tables on disk read through TableReader with
// caches of different budgets, counting blocks read from the file; a corrupted block inside the
// read-ahead range must fail only the read that asks for it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isShoalError } from '../../../shared/errors.ts'
import { limits } from '../../../shared/limits.ts'
import { NodeFileSystem } from '../../vfs/node-fs.ts'
import { BlockCache } from '../block-cache.ts'
import { encodeInline } from '../entry-value.ts'
import { compareInternal, encodeInternalKey, Kind } from '../internal-key.ts'
import { TableReader } from './reader.ts'
import { TableWriter } from './writer.ts'

const dir = mkdtempSync(join(tmpdir(), 'lsm-readahead-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const fs = new NodeFileSystem()
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const BLOCK_BYTES = 1024

const entries = Array.from({ length: 2000 }, (_, i): [Uint8Array, Uint8Array] => [
  encodeInternalKey(
    new TextEncoder().encode(`k${String(i).padStart(6, '0')}`),
    0,
    0,
    1,
    Kind.value,
  ),
  encodeInline(new Uint8Array(60).fill(i & 0xff), 0),
]).sort((a, b) => compareInternal(a[0], b[0]))

async function writeTable(name: string): Promise<string> {
  const path = join(dir, name)
  const file = await fs.create(path)
  const writer = new TableWriter(file, { blockBytes: BLOCK_BYTES, bloomBitsPerKey: 10 })
  for (const [k, v] of entries) writer.add(k, v)
  writer.finish()
  await file.sync()
  file.close()
  return path
}

describe('table read-ahead', () => {
  it('miss: a cache with room: the following blocks come in the same read', async () => {
    const reader = await TableReader.open(fs, await writeTable('a.sst'), 1, new BlockCache(1 << 24))
    // Blocks end just past BLOCK_BYTES, so a read of the limit holds a little fewer of them.
    const perRead = Math.floor(limits.lsmReadAheadBytes / BLOCK_BYTES)
    expect(reader.blockCount).toBeGreaterThan(perRead + 2)
    reader.block(0)
    const readAhead = reader.blocksRead
    expect(readAhead).toBeGreaterThanOrEqual(Math.floor(perRead * 0.8))
    expect(readAhead).toBeLessThanOrEqual(perRead)
    for (let b = 0; b < readAhead; b++) expect(reader.cachedBlock(b)).toBeDefined()
    expect(reader.cachedBlock(readAhead)).toBeUndefined()
    // Every entry reads back, through blocks read ahead and blocks read on demand.
    const it = reader.iterator()
    let n = 0
    for (it.first(); it.valid(); it.next()) expect(hex(it.value())).toBe(hex(entries[n++]![1]))
    expect(n).toBe(entries.length)
    expect(reader.blocksRead).toBe(reader.blockCount)
    reader.close()
  })

  it('miss: a cache without room: one block per read', async () => {
    const reader = await TableReader.open(fs, await writeTable('b.sst'), 2, new BlockCache(4096))
    reader.block(0)
    expect(reader.blocksRead).toBe(1)
    expect(reader.cachedBlock(1)).toBeUndefined()
    reader.close()
  })

  it('corruption: a bad block read ahead: fails only the read that asks for it', async () => {
    const path = await writeTable('c.sst')
    const good = await TableReader.open(fs, path, 3, new BlockCache(1 << 24))
    const secondBlockAt = good.block(1).keyAt(0)
    good.close()
    const bytes = readFileSync(path)
    const at = bytes.indexOf(Buffer.from(secondBlockAt.subarray(0, 7)), 0)
    expect(at).toBeGreaterThan(0)
    bytes[at + 3]! ^= 0x40 // inside block 1 (its first key), before any later block
    const badPath = join(dir, 'c-bad.sst')
    writeFileSync(badPath, bytes)
    const reader = await TableReader.open(fs, badPath, 4, new BlockCache(1 << 24))
    expect(reader.block(0).count).toBeGreaterThan(0)
    expect(reader.cachedBlock(1)).toBeUndefined()
    let error: unknown
    try {
      reader.block(1)
    } catch (caught) {
      error = caught
    }
    expect(isShoalError(error, 'corruption'), String(error)).toBe(true)
    expect(String(error)).toContain(badPath)
    reader.close()
  })
})
