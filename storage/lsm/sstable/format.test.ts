// SSTable format: known-answer vectors for the footer, block encoding edges (restart points,
// shared prefixes, empty and maximum-size keys), the bloom filter's false-positive rate against
// theory, a writer/reader round trip, and corruption anywhere in a table giving a typed error
// that names the file, never wrong data.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isShoalError } from '../../../shared/errors.ts'
import { limits } from '../../../shared/limits.ts'
import { SeededPrng } from '../../../shared/random/prng.ts'
import { NodeFileSystem } from '../../vfs/node-fs.ts'
import { BlockCache } from '../block-cache.ts'
import { encodeInline } from '../entry-value.ts'
import { compareInternal, encodeInternalKey, Kind, seekKeyFor, userKeyOf } from '../internal-key.ts'
import { BlockBuilder } from './block.ts'
import { decodeBlock } from './decoded-block.ts'
import { bloomHash, bloomMayContain, buildBloom } from './bloom.ts'
import {
  decodeFooter,
  encodeFooter,
  FOOTER_BYTES,
  FORMAT_VERSION,
  RESTART_INTERVAL,
} from './format.ts'
import { TableReader } from './reader.ts'
import { TableWriter } from './writer.ts'

const dir = mkdtempSync(join(tmpdir(), 'lsm-sst-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const fs = new NodeFileSystem()
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

async function writeTable(
  name: string,
  entries: Array<[Uint8Array, Uint8Array]>,
  blockBytes = 4096,
) {
  const path = join(dir, name)
  const file = await fs.create(path)
  const writer = new TableWriter(file, { blockBytes, bloomBitsPerKey: 10 })
  for (const [k, v] of entries) writer.add(k, v)
  const result = writer.finish()
  await file.sync()
  file.close()
  return { path, ...result }
}

function entriesFor(count: number, keyOf: (i: number) => string): Array<[Uint8Array, Uint8Array]> {
  const enc = new TextEncoder()
  return Array.from({ length: count }, (_, i): [Uint8Array, Uint8Array] => [
    encodeInternalKey(enc.encode(keyOf(i)), 0, 0, i + 1, Kind.value),
    encodeInline(enc.encode(`value-${i}`), 0),
  ]).sort((a, b) => compareInternal(a[0], b[0]))
}

describe('sstable format', () => {
  it('footer: known handles: encode to the frozen vector and decode back', () => {
    const footer = {
      filter: { offset: 1, length: 2 },
      properties: { offset: 3, length: 4 },
      index: { offset: 5, length: 6 },
      formatVersion: FORMAT_VERSION,
    }
    const bytes = encodeFooter(footer)
    expect(bytes.length).toBe(FOOTER_BYTES)
    expect(hex(bytes)).toBe(
      '0100000000000000' +
        '02000000' +
        '0300000000000000' +
        '04000000' +
        '0500000000000000' +
        '06000000' +
        '01000000' +
        'b745279b' +
        '73686f616c737374',
    )
    expect(decodeFooter(bytes, 't.sst', 0)).toEqual(footer)
    const flipped = bytes.slice()
    flipped[3]! ^= 1
    expect(() => decodeFooter(flipped, 't.sst', 0)).toThrow(/footer checksum mismatch in t.sst/)
  })

  it('block: entries across restart intervals: decode to the same keys and values', () => {
    for (const count of [1, RESTART_INTERVAL - 1, RESTART_INTERVAL, RESTART_INTERVAL + 1, 100]) {
      const builder = new BlockBuilder()
      const keys = Array.from({ length: count }, (_, i) =>
        new TextEncoder().encode(`key-${String(i).padStart(5, '0')}`),
      )
      keys.forEach((key, i) => builder.add(key, new Uint8Array([i & 0xff])))
      const block = decodeBlock(builder.finish(), 'b', 0)
      expect(block.keys.map(hex)).toEqual(keys.map(hex))
      expect(block.values.map((v) => v[0])).toEqual(keys.map((_, i) => i & 0xff))
    }
  })

  it('block: a two-entry block: matches the frozen prefix-compressed layout', () => {
    const builder = new BlockBuilder()
    builder.add(new Uint8Array([0x61, 0x62]), new Uint8Array([0x01]))
    builder.add(new Uint8Array([0x61, 0x63]), new Uint8Array([]))
    // | 0 2 1 "ab" 01 | 1 1 0 "c" | restart 0 u32 | count 1 u32 |
    expect(hex(builder.finish())).toBe('0002016162010101006300000000' + '01000000')
  })

  it('block: empty and maximum-size keys: round-trip', () => {
    const builder = new BlockBuilder()
    const big = new Uint8Array(limits.keyBytesMax).fill(0x7a)
    builder.add(new Uint8Array(0), new Uint8Array([1]))
    builder.add(big, new Uint8Array([2]))
    const block = decodeBlock(builder.finish(), 'b', 0)
    expect(block.keys[0]!.length).toBe(0)
    expect(hex(block.keys[1]!)).toBe(hex(big))
  })

  it('block: entries larger than the builder buffer: it grows and round-trips', () => {
    const builder = new BlockBuilder(64)
    const values = [300, 20_000, 5].map((n, i) => new Uint8Array(n).fill(i + 1))
    values.forEach((value, i) => builder.add(new Uint8Array([0x61, i]), value))
    const block = decodeBlock(builder.finish(), 'b', 0)
    expect(block.values.map(hex)).toEqual(values.map(hex))
    expect(() => builder.add(new Uint8Array([0x62]), new Uint8Array(1))).toThrow(/finished/)
  })

  it('block: seeks by internal and by user key: agree with a scan of the sorted keys', () => {
    const prng = new SeededPrng(11)
    const ikeys: Uint8Array[] = []
    for (let i = 0; i < 300; i++) {
      const user = new TextEncoder().encode(`k${prng.intInclusive(0, 120)}`)
      ikeys.push(encodeInternalKey(user, prng.intInclusive(0, 3), 0, i + 1, Kind.value))
    }
    ikeys.sort(compareInternal)
    const builder = new BlockBuilder()
    ikeys.forEach((k, i) => builder.add(k, new Uint8Array([i & 0xff])))
    const block = decodeBlock(builder.finish(), 'b', 0)
    const firstAtOrAfter = (target: Uint8Array): number => {
      const i = ikeys.findIndex((k) => compareInternal(k, target) >= 0)
      return i < 0 ? ikeys.length : i
    }
    for (let probe = 0; probe < 200; probe++) {
      const user = new TextEncoder().encode(`k${prng.intInclusive(0, 130)}`)
      const target = encodeInternalKey(user, prng.intInclusive(0, 3), 0, probe * 2, Kind.value)
      expect(block.lowerBound(target)).toBe(firstAtOrAfter(target))
      const at = block.lowerBoundUser(user)
      expect(at).toBe(firstAtOrAfter(seekKeyFor(user)))
      const holds = at < block.count && hex(userKeyOf(ikeys[at]!)) === hex(user)
      expect(at < block.count && block.hasUserKeyAt(at, user)).toBe(holds)
      if (at < block.count) expect(hex(block.keyAt(at))).toBe(hex(ikeys[at]!))
      if (at < block.count) expect(block.valueAt(at)[0]).toBe(at & 0xff)
    }
  })

  it('bloom: 10 bits per key: false-positive rate within 2x of theory', () => {
    const prng = new SeededPrng(5)
    const n = 20_000
    const bitsPerKey = 10
    const hashes = Array.from({ length: n }, (_, i) =>
      bloomHash(new TextEncoder().encode(`in-${i}-${prng.nextU32()}`)),
    )
    const filter = buildBloom(hashes, bitsPerKey)
    for (const h of hashes) expect(bloomMayContain(filter, h)).toBe(true)
    let falsePositives = 0
    const probes = 50_000
    for (let i = 0; i < probes; i++) {
      if (bloomMayContain(filter, bloomHash(new TextEncoder().encode(`out-${i}`)))) falsePositives++
    }
    const k = Math.round(bitsPerKey * 0.69)
    const theory = Math.pow(1 - Math.exp(-k / bitsPerKey), k)
    const rate = falsePositives / probes
    expect(rate).toBeLessThan(2 * theory)
    expect(rate).toBeGreaterThan(theory / 4)
  })

  it('table: writer then reader: every entry found, seeks land on block edges', async () => {
    const entries = entriesFor(2000, (i) => `user-${String(i).padStart(6, '0')}`)
    const { path, properties } = await writeTable('rt.sst', entries, 512)
    expect(properties.entries).toBe(2000)
    const reader = await TableReader.open(fs, path, 1, new BlockCache(1 << 20))
    expect(reader.blockCount).toBeGreaterThan(10)
    const it = reader.iterator()
    let n = 0
    for (it.first(); it.valid(); it.next()) expect(hex(it.key())).toBe(hex(entries[n++]![0]))
    expect(n).toBe(2000)
    for (const i of [0, 1, 17, 999, 1999]) {
      it.seekGE(seekKeyFor(userKeyOf(entries[i]![0])))
      expect(hex(it.key())).toBe(hex(entries[i]![0]))
      it.seekLT(entries[i]![0])
      if (i === 0) expect(it.valid()).toBe(false)
      else expect(hex(it.key())).toBe(hex(entries[i - 1]![0]))
    }
    for (it.last(), n = 1999; it.valid(); it.prev())
      expect(hex(it.key())).toBe(hex(entries[n--]![0]))
    expect(reader.verifyAll()).toBe(2000)
    reader.close()
  })

  it('table: corrupted bytes anywhere: an error naming the file, never wrong data', async () => {
    const entries = entriesFor(300, (i) => `c-${String(i).padStart(4, '0')}`)
    const { path } = await writeTable('c.sst', entries, 512)
    const original = readFileSync(path)
    const prng = new SeededPrng(9)
    for (let trial = 0; trial < 40; trial++) {
      const bad = Buffer.from(original)
      const kind = trial % 3
      let size = bad.length
      if (kind === 0) bad[prng.intInclusive(0, bad.length - 1)]! ^= 1 << prng.intInclusive(0, 7)
      else if (kind === 1) size = prng.intInclusive(0, bad.length - 1)
      else bad.fill(0, prng.intInclusive(0, bad.length - 64), bad.length - 32)
      const badPath = join(dir, `bad-${trial}.sst`)
      writeFileSync(badPath, bad.subarray(0, size))
      try {
        const reader = await TableReader.open(fs, badPath, 100 + trial, new BlockCache(1 << 20))
        reader.verifyAll()
        const it = reader.iterator()
        let n = 0
        for (it.first(); it.valid(); it.next()) expect(hex(it.value())).toBe(hex(entries[n++]![1]))
        expect(n).toBe(300)
        reader.close()
      } catch (error) {
        expect(isShoalError(error, 'corruption'), String(error)).toBe(true)
        expect(String(error)).toContain(badPath)
      }
    }
  })
})
