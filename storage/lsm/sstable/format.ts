/**
 * SSTable file format (frozen; a change bumps FORMAT_VERSION). Files are immutable and written
 * front to back by a streaming writer (writer.ts); the reader (reader.ts) starts at the footer.
 *
 *   +--------------+-----+--------------+--------------+------------------+-------------+--------+
 *   | data block 0 | ... | data block n | filter block | properties block | index block | footer |
 *   +--------------+-----+--------------+--------------+------------------+-------------+--------+
 *
 * Every block is followed by a 4-byte trailer, crc32c(block bytes) u32 LE; a block handle
 * (offset, length) covers the block bytes without the trailer.
 *
 * Block (data and index blocks), ~4 KiB, prefix-compressed against the previous key, with a
 * restart point (full key) every RESTART_INTERVAL entries:
 *
 *   | entry 0 | entry 1 | ... | restart offset u32 LE ... | restart count u32 LE |
 *   entry: | shared varint | unshared varint | valueLen varint | key suffix | value |
 *
 * Data block keys are internal keys (../internal-key.ts); values are entry values
 * (../entry-value.ts). Index block: key = last internal key of a data block, value =
 * | offset varint | length varint |.
 *
 * Filter block (bloom.ts): | bit array (m/8 bytes) | probe count k u8 |, over user keys.
 * Properties block: a msgpack map (TableProperties below).
 *
 * Footer, FOOTER_BYTES = 52, little-endian:
 *
 *   | filter off u64 | filter len u32 | props off u64 | props len u32 | index off u64 |
 *   | index len u32 | format version u32 | footer crc u32 | magic "shoalsst" (8 bytes) |
 *
 * footer crc = crc32c(first 40 bytes of the footer).
 */
import { pack, unpack } from 'msgpackr'
import { corruption, ShoalError } from '../../../shared/errors.ts'
import { crc32c } from '../../../shared/codecs/crc32c.ts'

export const FORMAT_VERSION = 1
export const FOOTER_BYTES = 52
export const BLOCK_TRAILER_BYTES = 4
export const RESTART_INTERVAL = 16
export const MAGIC = new Uint8Array([0x73, 0x68, 0x6f, 0x61, 0x6c, 0x73, 0x73, 0x74])

export interface BlockHandle {
  readonly offset: number
  readonly length: number
}

export interface Footer {
  readonly filter: BlockHandle
  readonly properties: BlockHandle
  readonly index: BlockHandle
  readonly formatVersion: number
}

export interface TableProperties {
  readonly entries: number
  readonly deletions: number
  readonly pointers: number
  readonly smallest: Uint8Array
  readonly largest: Uint8Array
  readonly minSeq: number
  readonly maxSeq: number
  readonly maxTimestamp: number
  readonly maxVersion: number
  readonly rawKeyBytes: number
  readonly rawValueBytes: number
  /** Value-log files this table points into, with the record bytes it references in each. */
  readonly vlogRefs: ReadonlyArray<readonly [number, number]>
}

export function encodeFooter(footer: Footer): Uint8Array {
  const out = new Uint8Array(FOOTER_BYTES)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(footer.filter.offset), true)
  view.setUint32(8, footer.filter.length, true)
  view.setBigUint64(12, BigInt(footer.properties.offset), true)
  view.setUint32(20, footer.properties.length, true)
  view.setBigUint64(24, BigInt(footer.index.offset), true)
  view.setUint32(32, footer.index.length, true)
  view.setUint32(36, footer.formatVersion, true)
  view.setUint32(40, crc32c(out.subarray(0, 40)), true)
  out.set(MAGIC, 44)
  return out
}

export function decodeFooter(bytes: Uint8Array, path: string, at: number): Footer {
  if (bytes.length !== FOOTER_BYTES) throw corruption(path, at, 'table shorter than a footer')
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[44 + i] !== MAGIC[i]) throw corruption(path, at + 44, 'bad table magic')
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(40, true) !== crc32c(bytes.subarray(0, 40))) {
    throw corruption(path, at, 'footer checksum mismatch')
  }
  const formatVersion = view.getUint32(36, true)
  if (formatVersion !== FORMAT_VERSION) {
    throw new ShoalError('corruption', `unknown table format ${formatVersion} in ${path}`)
  }
  const handle = (o: number): BlockHandle => ({
    offset: Number(view.getBigUint64(o, true)),
    length: view.getUint32(o + 8, true),
  })
  return { filter: handle(0), properties: handle(12), index: handle(24), formatVersion }
}

export function encodeProperties(props: TableProperties): Uint8Array {
  return new Uint8Array(pack({ ...props, vlogRefs: props.vlogRefs.map((r) => [...r]) }))
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

export function decodeProperties(bytes: Uint8Array, path: string, at: number): TableProperties {
  let raw: unknown
  try {
    raw = unpack(bytes)
  } catch {
    throw corruption(path, at, 'undecodable properties block')
  }
  const p = raw as Record<string, unknown> | undefined
  const numbers = ['entries', 'deletions', 'pointers', 'minSeq', 'maxSeq', 'maxTimestamp']
  const ok =
    p !== undefined &&
    typeof p === 'object' &&
    numbers.every((name) => isNumber(p[name])) &&
    isNumber(p['maxVersion']) &&
    p['smallest'] instanceof Uint8Array &&
    p['largest'] instanceof Uint8Array &&
    Array.isArray(p['vlogRefs'])
  if (!ok) throw corruption(path, at, 'malformed properties block')
  return {
    entries: p['entries'] as number,
    deletions: p['deletions'] as number,
    pointers: p['pointers'] as number,
    smallest: new Uint8Array(p['smallest'] as Uint8Array),
    largest: new Uint8Array(p['largest'] as Uint8Array),
    minSeq: p['minSeq'] as number,
    maxSeq: p['maxSeq'] as number,
    maxTimestamp: p['maxTimestamp'] as number,
    maxVersion: p['maxVersion'] as number,
    rawKeyBytes: isNumber(p['rawKeyBytes']) ? p['rawKeyBytes'] : 0,
    rawValueBytes: isNumber(p['rawValueBytes']) ? p['rawValueBytes'] : 0,
    vlogRefs: (p['vlogRefs'] as Array<[number, number]>).map(([f, b]) => [f, b] as const),
  }
}
