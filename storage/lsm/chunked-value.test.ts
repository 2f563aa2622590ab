// Chunked values (putStream / getStream) past the 64 MiB single-buffer limit, on the real file
// system in a temp dir: a 96 MiB value streamed in 1 MiB pieces is stored chunk by chunk and
// read back chunk by chunk (checked by a running checksum, never assembled); getSync refuses it
// with too-large; it survives reopen, compaction and value-log GC; over 2 GiB is refused.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { limits } from '../../shared/limits.ts'
import { NodeFileSystem } from '../vfs/node-fs.ts'
import { Db } from './db.ts'
import type { DbOptions } from './options.ts'

const MiB = 1024 * 1024
const PIECES = 96
const dir = mkdtempSync(join(tmpdir(), 'lsm-chunked-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const enc = (text: string): Uint8Array => new TextEncoder().encode(text)

function options(): DbOptions {
  return { fs: new NodeFileSystem(), dir, memtableBytes: 64 * 1024, valueLogGcRatio: 0.3 }
}

function* pieces(count: number, seed: number): Generator<Uint8Array> {
  const piece = new Uint8Array(MiB)
  for (let i = 0; i < count; i++) {
    piece.fill((i * 31 + seed) & 0xff)
    new DataView(piece.buffer).setUint32(0, i, true)
    yield piece
  }
}

/** Position-sensitive checksum over a stream of chunks, and its length. */
function digest(chunks: Iterable<Uint8Array>): { sum: number; bytes: number } {
  let sum = 0
  let bytes = 0
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i += 509) sum = (sum * 31 + chunk[i]! + bytes + i) >>> 0
    bytes += chunk.length
  }
  return { sum, bytes }
}

describe('lsm chunked values', () => {
  it('chunked value: 96 MiB streamed: read back in chunks, survives reopen and GC', async () => {
    const want = digest(pieces(PIECES, 1))
    let db = await Db.open(options())
    await db.putStream(enc('big'), pieces(PIECES, 1), { sync: true })
    await db.put(enc('small'), enc('s'))
    const stream = db.getStream(enc('big'))
    expect(stream).toBeDefined()
    let largest = 0
    const seen = digest(
      (function* () {
        for (const chunk of stream!) {
          largest = Math.max(largest, chunk.length)
          yield chunk
        }
      })(),
    )
    expect(seen).toEqual(want)
    expect(largest).toBeLessThanOrEqual(limits.lsmValueChunkBytes)
    expect(() => db.getSync(enc('big'))).toThrow(/too-large|use getStream/)
    await db.close()
    db = await Db.open(options())
    expect(digest(db.getStream(enc('big'))!)).toEqual(want)
    // Overwrite with a smaller streamed value, then compaction and GC drop the old file.
    await db.putStream(enc('big'), pieces(3, 2))
    await db.compactAll()
    await db.waitIdle()
    expect(digest(db.getStream(enc('big'))!)).toEqual(digest(pieces(3, 2)))
    expect(db.checkConsistency().pointers).toBe(1)
    const vlogBytes = db.stats().vlogBytes
    expect(vlogBytes).toBeLessThan(8 * MiB)
    await db.close()
    const onDisk = readdirSync(dir).filter((name) => name.endsWith('.vlog')).length
    expect(onDisk).toBeLessThanOrEqual(2)
  }, 60_000)

  it('chunked value: over 2 GiB: too-large, and no file is left behind', async () => {
    const db = await Db.open(options())
    const before = readdirSync(dir)
      .filter((name) => name.endsWith('.vlog'))
      .sort()
    function* huge(): Generator<Uint8Array> {
      yield new Uint8Array(16)
      // Untouched zero pages: the length alone is refused before a byte is written.
      yield new Uint8Array(limits.valueBytesMax)
    }
    await expect(db.putStream(enc('huge'), huge())).rejects.toMatchObject({ code: 'too-large' })
    expect(
      readdirSync(dir)
        .filter((name) => name.endsWith('.vlog'))
        .sort(),
    ).toEqual(before)
    await db.close()
  })
})
