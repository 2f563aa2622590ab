// Goal: prove the protocol's own bodies (hello, calls, errors) survive the msgpack codec with the
// types the RPC promises, and that every malformed body is a typed `protocol` error. Method:
// known-answer bytes for the codec options, round trips, and hand-made bad bodies.
import { describe, expect, it } from 'vitest'
import { isShoalError, ShoalError } from '../errors.ts'
import { BodyCodec } from './body-codec.ts'
import {
  callBody,
  errorBody,
  helloMismatch,
  parseCall,
  parseErrorBody,
  parseHello,
  protocolVersion,
} from './envelope.ts'

const codec = new BodyCodec()

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

describe('envelope', () => {
  it('body codec: call with binary params: known-answer bytes (bin for bytes)', () => {
    const bytes = codec.encode(callBody({ method: 'kv.get', params: { key: Uint8Array.of(1, 2) } }))
    // fixarray(2), fixstr "kv.get", map16(1), fixstr "key", bin8(2) 01 02
    expect(hex(bytes)).toBe('92a66b762e676574de0001a36b6579c4020102')
  })

  it('body codec: Uint8Array, numbers, nesting: survive a round trip', () => {
    const value = {
      bytes: Uint8Array.of(0, 255, 7),
      safe: Number.MAX_SAFE_INTEGER,
      negative: -12,
      float: 1.25,
      text: 'héllo',
      list: [null, true, { inner: Uint8Array.of(9) }],
    }
    const decoded = codec.decode(codec.encode(value))
    expect(decoded).toEqual({
      ...value,
      bytes: Buffer.from([0, 255, 7]),
      list: [null, true, { inner: Buffer.from([9]) }],
    })
    const bytes = (decoded as { bytes: unknown }).bytes
    expect(bytes).toBeInstanceOf(Uint8Array)
  })

  it('body codec: decoded bytes: are copies, not views of the input', () => {
    const encoded = codec.encode({ value: Uint8Array.of(1, 2, 3) })
    const decoded = codec.decode(encoded)
    const value = (decoded as { value: Uint8Array }).value
    expect(value.buffer).not.toBe(encoded.buffer)
  })

  it('body codec: empty, truncated, trailing or unknown-extension bytes: protocol error', () => {
    for (const bad of ['', '92a3', '0102', 'd40500']) {
      const bytes = new Uint8Array(Buffer.from(bad, 'hex'))
      expect(() => codec.decode(bytes)).toThrow(ShoalError)
      try {
        codec.decode(bytes)
      } catch (error) {
        expect(isShoalError(error, 'protocol')).toBe(true)
      }
    }
  })

  it('envelope: call: round trips; anything but [method, params] is refused', () => {
    expect(parseCall(codec.decode(codec.encode(callBody({ method: 'm', params: [1] }))))).toEqual({
      method: 'm',
      params: [1],
    })
    for (const bad of [null, 'm', ['m'], ['m', 1, 2], [7, 1], ['', 1], ['x'.repeat(257), 1]]) {
      expect(() => parseCall(bad)).toThrow(/call/)
    }
  })

  it('envelope: call with traceparent: round trips; a non-string or 4th element refused', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
    const call = { method: 'kv.get', params: { k: 1 }, traceparent }
    const body = callBody(call)
    expect(body).toEqual(['kv.get', { k: 1 }, traceparent])
    expect(parseCall(codec.decode(codec.encode(body)))).toEqual(call)
    expect(callBody({ method: 'm', params: 1 })).toEqual(['m', 1])
    for (const bad of [
      ['m', 1, 7],
      ['m', 1, 'x'.repeat(257)],
      ['m', 1, 't', 'u'],
    ]) {
      expect(() => parseCall(bad)).toThrow(/call/)
    }
  })

  it('envelope: hello: parsed; wrong types refused', () => {
    const hello = { protocolVersion, clusterId: 'c1', nodeId: 'n1' }
    expect(parseHello(codec.decode(codec.encode(hello)))).toEqual(hello)
    expect(() => parseHello({ ...hello, protocolVersion: '1' })).toThrow(/protocolVersion/)
    expect(() => parseHello({ ...hello, clusterId: '' })).toThrow(/clusterId/)
    expect(() => parseHello({ ...hello, nodeId: 5 })).toThrow(/nodeId/)
    expect(() => parseHello([1])).toThrow(/clusterId|protocolVersion/)
  })

  it('envelope: hello traceContext: optional boolean; other types refused', () => {
    const hello = { protocolVersion, clusterId: 'c1', nodeId: 'n1' }
    expect(parseHello({ ...hello, traceContext: true })).toEqual({ ...hello, traceContext: true })
    expect(parseHello({ ...hello, somethingNewer: 1 })).toEqual(hello)
    expect(() => parseHello({ ...hello, traceContext: 'yes' })).toThrow(/traceContext/)
  })

  it('envelope: hello mismatch: names both versions or both clusters', () => {
    const local = { protocolVersion: 1, clusterId: 'a', nodeId: 'n1' }
    expect(helloMismatch(local, { ...local, nodeId: 'n2' })).toBeNull()
    expect(helloMismatch(local, { protocolVersion: 2, clusterId: 'a', nodeId: 'n2' })).toBe(
      'protocol version mismatch: n1 speaks 1, n2 speaks 2',
    )
    expect(helloMismatch(local, { protocolVersion: 1, clusterId: 'b', nodeId: 'n2' })).toBe(
      'cluster id mismatch: n1 is in "a", n2 is in "b"',
    )
  })

  it('envelope: error body: keeps code and message; unknown code is a protocol error', () => {
    const sent = errorBody(new ShoalError('not-leader', 'leader is n3'))
    const received = parseErrorBody(codec.decode(codec.encode(sent)))
    expect(received.code).toBe('not-leader')
    expect(received.message).toBe('leader is n3')
    expect(received.retryable).toBe(true)
    expect(parseErrorBody({ code: 'teapot', message: 'x' }).code).toBe('protocol')
    expect(parseErrorBody({ code: 'io' }).code).toBe('protocol')
    expect(parseErrorBody('io').code).toBe('protocol')
  })
})
