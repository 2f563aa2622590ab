/**
 * Goal: the raft.batch wire format round-trips every field through the real msgpack codec and
 * refuses malformed bodies with a typed `protocol` error. Method: encode, msgpack, decode and
 * compare; then feed hand-made bad bodies.
 */
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { BodyCodec } from '../../shared/protocol/body-codec.ts'
import { message } from '../raft/messages.ts'
import { decodeRaftBatch, encodeRaftBatch } from './wire.ts'

describe('raft batch wire', () => {
  it('raft batch wire: app message with entries through msgpack: decodes the same', () => {
    const m = message({ type: 'app', from: 1, to: 2, term: 3, logTerm: 2, index: 7, commit: 6,
      rejectHint: 0, round: 4, context: new Uint8Array([9]),
      entries: [{ term: 3, index: 8, type: 'normal', data: new Uint8Array([1, 2, 3]) }] })
    const codec = new BodyCodec()
    const body = codec.decode(codec.encode(encodeRaftBatch('n1', [{ group: 5, message: m }])))
    const decoded = decodeRaftBatch(body)
    expect(decoded.from).toBe('n1')
    expect(decoded.msgs[0]!.group).toBe(5)
    const got = decoded.msgs[0]!.message
    expect({ ...got, context: [...got.context], entries: got.entries.map((e) => ({ ...e,
      data: [...e.data] })) }).toEqual({ ...m, context: [9], entries: [{ term: 3, index: 8,
      type: 'normal', data: [1, 2, 3] }] })
  })

  it('raft batch wire: malformed bodies: protocol errors', () => {
    const bad: unknown[] = [null, 7, { v: 2, from: 'n1', msgs: [] }, { v: 1, from: 3, msgs: [] },
      { v: 1, from: 'n1', msgs: [[0, 99]] }, { v: 1, from: 'n1', msgs: [Array(13).fill(-1)] },
      { v: 1, from: 'n1', msgs: 'x' }]
    for (const body of bad) {
      let code = 'none'
      try {
        decodeRaftBatch(body)
      } catch (error) {
        if (isShoalError(error)) code = error.code
      }
      expect(code, JSON.stringify(body)).toBe('protocol')
    }
  })
})
