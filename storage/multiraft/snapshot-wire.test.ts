// Goal: the raft.installSnapshot chunk codec carries items exactly and refuses a corrupted or
// malformed chunk with a clear protocol error before it can reach the LSM. Method: encode,
// pass through msgpack as the RPC does, decode; then flip one byte of one item, or break a
// field, and check the typed error and its message. Deletion markers travel as items too.
import { pack, unpack } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import type { SnapshotChunk } from './snapshot-wire.ts'
import {
  decodeSnapshotChunk,
  decodeSnapshotRequest,
  encodeSnapshotChunk,
  encodeSnapshotRequest,
} from './snapshot-wire.ts'

const chunk: SnapshotChunk = {
  from: 'n1',
  group: 3,
  transfer: 'n1.3.1.99',
  index: 120,
  term: 4,
  leaderTerm: 5,
  offset: 4096,
  done: false,
  items: [
    {
      key: new Uint8Array([0, 0, 0, 3, 1]),
      value: new Uint8Array([9, 8]),
      timestamp: 17,
      version: 100,
      expiresAtMs: 0,
    },
    {
      key: new Uint8Array([0, 0, 0, 3, 2]),
      value: new Uint8Array(0),
      timestamp: 18,
      version: 101,
      expiresAtMs: 1_700_000_000_000,
    },
    {
      key: new Uint8Array([0, 0, 0, 3, 2]),
      value: new Uint8Array(0),
      timestamp: 16,
      version: 90,
      expiresAtMs: 0,
      deleted: true,
    },
  ],
}

function wire(body: unknown): Record<string, unknown> {
  return unpack(pack(body)) as Record<string, unknown>
}

function protocolError(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (isShoalError(error, 'protocol')) return error.message
    throw error
  }
  throw new Error('no error')
}

describe('snapshot wire', () => {
  it('snapshot wire: chunk through msgpack: decodes to the same chunk', () => {
    const plain = (c: SnapshotChunk): unknown => ({
      ...c,
      items: c.items.map((i) => ({ ...i, key: [...i.key], value: [...i.value] })),
    })
    expect(plain(decodeSnapshotChunk(wire(encodeSnapshotChunk(chunk))))).toEqual(plain(chunk))
  })

  it('snapshot wire: one flipped value byte: refused as a checksum mismatch', () => {
    const body = wire(encodeSnapshotChunk(chunk))
    const items = body.items as Array<[Uint8Array, Uint8Array]>
    const value = items[0]![1]
    value[0] = value[0]! ^ 0x01
    expect(protocolError(() => decodeSnapshotChunk(body))).toMatch(
      /chunk checksum mismatch at offset 4096/,
    )
  })

  it('snapshot wire: changed stamp: refused as a checksum mismatch', () => {
    const body = wire(encodeSnapshotChunk(chunk))
    ;(body.items as unknown[][])[1]![3] = 102
    expect(protocolError(() => decodeSnapshotChunk(body))).toMatch(/checksum mismatch/)
  })

  it('snapshot wire: a deletion marker: its flag is checksummed, it carries no value', () => {
    const flipped = wire(encodeSnapshotChunk(chunk))
    ;(flipped.items as unknown[][])[2]!.length = 5 // the marker read as a live item
    expect(protocolError(() => decodeSnapshotChunk(flipped))).toMatch(/checksum mismatch/)
    const valued = wire(encodeSnapshotChunk(chunk))
    ;(valued.items as unknown[][])[2]![1] = new Uint8Array([1])
    expect(protocolError(() => decodeSnapshotChunk(valued))).toMatch(/no value/)
    const badFlag = wire(encodeSnapshotChunk(chunk))
    ;(badFlag.items as unknown[][])[2]![5] = 2
    expect(protocolError(() => decodeSnapshotChunk(badFlag))).toMatch(/deleted flag/)
  })

  it('snapshot wire: malformed fields: refused with what is wrong', () => {
    const good = encodeSnapshotChunk(chunk)
    expect(protocolError(() => decodeSnapshotChunk({ ...good, v: 2 }))).toMatch(/version/)
    expect(protocolError(() => decodeSnapshotChunk({ ...good, offset: -1 }))).toMatch(/offset/)
    expect(protocolError(() => decodeSnapshotChunk({ ...good, items: [[1, 2]] }))).toMatch(
      /item must be/,
    )
    expect(protocolError(() => decodeSnapshotChunk({ ...good, done: 'yes' }))).toMatch(/done/)
    expect(protocolError(() => decodeSnapshotChunk(null))).toMatch(/object/)
  })

  it('snapshot wire: request: round trip and a bad group refused', () => {
    expect(decodeSnapshotRequest(wire(encodeSnapshotRequest('n2', 7)))).toEqual({
      from: 'n2',
      group: 7,
    })
    expect(protocolError(() => decodeSnapshotRequest({ v: 1, from: 'n2', group: 'x' }))).toMatch(
      /group/,
    )
  })
})
