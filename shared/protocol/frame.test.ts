// Goal: pin the frame format and prove the decoder accepts exactly the frames the encoder makes,
// whatever the chunk boundaries, and refuses every malformed stream with a typed error. Method:
// known-answer vectors built field by field, fast-check round trips over random chunk splits,
// and hand-made bad streams (bad CRC, oversize length, unknown kind, flags, field rules).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../codecs/crc32c.ts'
import { isShoalError, type ErrorCode } from '../errors.ts'
import { encodeFrame, frameOverheadBytes, type FrameHeader } from './frame.ts'
import { FrameDecoder } from './frame-decoder.ts'
import { FrameKind, type FrameKind as FrameKindType } from './message-kind.ts'

const frameBytesMax = 64 * 1024

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'))
}

function decodeAll(decoder: FrameDecoder, chunks: Uint8Array[]): FrameHeaderAndBody[] {
  const frames: FrameHeaderAndBody[] = []
  for (const chunk of chunks) {
    decoder.push(chunk)
    for (let frame = decoder.next(); frame !== null; frame = decoder.next()) {
      frames.push({ ...frame, body: hex(frame.body) })
    }
  }
  return frames
}

interface FrameHeaderAndBody extends FrameHeader {
  readonly body: string
}

function expectRefusal(chunks: Uint8Array[], code: ErrorCode, message: RegExp): void {
  const decoder = new FrameDecoder({ frameBytesMax })
  let caught: unknown = null
  try {
    decodeAll(decoder, chunks)
  } catch (error) {
    caught = error
  }
  expect(isShoalError(caught, code), String(caught)).toBe(true)
  expect(String(caught)).toMatch(message)
  // Poisoned: the stream has lost its framing, so every later call refuses too.
  expect(() => decoder.next()).toThrow(message)
  expect(() => decoder.push(new Uint8Array([1]))).toThrow(message)
}

/** A frame with the given raw fields and a correct checksum (to get past the CRC check). */
function rawFrame(
  fields: { kind: number; flags: number; requestId: number; deadlineMs: number },
  body: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(frameOverheadBytes + body.length)
  const view = new DataView(frame.buffer)
  view.setUint32(0, body.length, true)
  view.setUint8(4, fields.kind)
  view.setUint8(5, fields.flags)
  view.setUint32(6, fields.requestId, true)
  view.setUint32(10, fields.deadlineMs, true)
  frame.set(body, 14)
  view.setUint32(14 + body.length, crc32c(frame.subarray(0, 14 + body.length)), true)
  return frame
}

describe('frame', () => {
  it('frame: request known-answer vector: matches the documented layout byte for byte', () => {
    const body = fromHex('92a3616263c0') // msgpack ["abc", nil]
    const frame = encodeFrame({ kind: FrameKind.request, requestId: 1, deadlineMs: 1000 }, body, {
      frameBytesMax,
    })
    const expected =
      '06000000' + // u32 bodyBytes = 6
      '03' + // u8 kind = request
      '00' + // u8 flags
      '01000000' + // u32 requestId = 1
      'e8030000' + // u32 deadlineMs = 1000
      '92a3616263c0' + // body
      'c6259fcb' // u32 crc32c of everything before it
    expect(hex(frame)).toBe(expected)
    expect(crc32c(frame.subarray(0, 20))).toBe(0xcb9f25c6)
  })

  it('frame: hello known-answer vector: zero id and deadline', () => {
    const frame = encodeFrame(
      { kind: FrameKind.hello, requestId: 0, deadlineMs: 0 },
      fromHex('c0'),
      { frameBytesMax },
    )
    expect(hex(frame)).toBe('0100000001000000000000000000c014f87c60')
  })

  it('frame: kind codes: are frozen', () => {
    expect(FrameKind).toEqual({
      hello: 1,
      welcome: 2,
      request: 3,
      response: 4,
      error: 5,
      message: 6,
    })
  })

  it('frame: encode over frameBytesMax: too-large', () => {
    const body = new Uint8Array(100 - frameOverheadBytes + 1)
    const header = { kind: FrameKind.response, requestId: 7, deadlineMs: 0 }
    expect(() => encodeFrame(header, body, { frameBytesMax: 100 })).toThrow(/over the limit/)
    expect(encodeFrame(header, body.subarray(1), { frameBytesMax: 100 }).length).toBe(100)
  })

  it('frame: encode breaking a field rule: assertion', () => {
    const body = fromHex('c0')
    expect(() =>
      encodeFrame({ kind: FrameKind.request, requestId: 0, deadlineMs: 5 }, body, {
        frameBytesMax,
      }),
    ).toThrow(/requestId 0/)
    expect(() =>
      encodeFrame({ kind: FrameKind.request, requestId: 1, deadlineMs: 0 }, body, {
        frameBytesMax,
      }),
    ).toThrow(/without a deadline/)
    expect(() =>
      encodeFrame({ kind: FrameKind.message, requestId: 3, deadlineMs: 0 }, body, {
        frameBytesMax,
      }),
    ).toThrow(/requestId 3/)
  })

  it('frame: round trip over arbitrary chunk splits: same frames, in order', () => {
    const kindArb = fc.constantFrom<FrameKindType>(...Object.values(FrameKind))
    const frameArb = fc
      .record({
        kind: kindArb,
        requestId: fc.integer({ min: 1, max: 0xffffffff }),
        deadlineMs: fc.integer({ min: 1, max: 0xffffffff }),
        body: fc.uint8Array({ maxLength: 300 }),
      })
      .map(({ kind, requestId, deadlineMs, body }) => ({
        kind,
        requestId:
          kind === FrameKind.request || kind === FrameKind.response || kind === FrameKind.error
            ? requestId
            : 0,
        deadlineMs: kind === FrameKind.request ? deadlineMs : 0,
        body,
      }))
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, cuts) => {
          const stream = Buffer.concat(
            frames.map((frame) => encodeFrame(frame, frame.body, { frameBytesMax })),
          )
          const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort(
            (a, b) => a - b,
          )
          const chunks: Uint8Array[] = []
          let start = 0
          for (const point of [...points, stream.length]) {
            chunks.push(stream.subarray(start, point))
            start = point
          }
          const decoder = new FrameDecoder({ frameBytesMax })
          const decoded = decodeAll(decoder, chunks)
          expect(decoded).toEqual(frames.map((frame) => ({ ...frame, body: hex(frame.body) })))
          expect(decoder.bufferedBytes).toBe(0)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('frame: one byte at a time: decodes, and buffered bytes count down to zero', () => {
    const frame = encodeFrame(
      { kind: FrameKind.response, requestId: 9, deadlineMs: 0 },
      fromHex('a568656c6c6f'),
      { frameBytesMax },
    )
    const decoder = new FrameDecoder({ frameBytesMax })
    const chunks = [...frame].map((byte) => new Uint8Array([byte]))
    const decoded = decodeAll(decoder, chunks)
    expect(decoded).toEqual([
      { kind: FrameKind.response, requestId: 9, deadlineMs: 0, body: 'a568656c6c6f' },
    ])
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('frame: frame inside one chunk: body is a view of that chunk, not a copy', () => {
    const frame = encodeFrame(
      { kind: FrameKind.message, requestId: 0, deadlineMs: 0 },
      fromHex('01020304'),
      { frameBytesMax },
    )
    const decoder = new FrameDecoder({ frameBytesMax })
    decoder.push(frame)
    const decoded = decoder.next()
    expect(decoded?.body.buffer).toBe(frame.buffer)
    expect(decoded?.body.byteOffset).toBe(frame.byteOffset + 14)
  })

  it('frame: flipped byte anywhere: checksum mismatch, before kind or fields', () => {
    const frame = encodeFrame(
      { kind: FrameKind.request, requestId: 1, deadlineMs: 1000 },
      fromHex('92a3616263c0'),
      { frameBytesMax },
    )
    for (let index = 4; index < frame.length; index++) {
      const bad = frame.slice()
      bad[index] = bad[index]! ^ 0x40
      expectRefusal([bad], 'protocol', /checksum mismatch/)
    }
  })

  it('frame: length over frameBytesMax: too-large as soon as 4 bytes arrive', () => {
    const header = new Uint8Array(4)
    new DataView(header.buffer).setUint32(0, frameBytesMax, true) // + overhead: over the limit
    expectRefusal([header.subarray(0, 2), header.subarray(2)], 'too-large', /over the limit/)
    expectRefusal([fromHex('ffffffff')], 'too-large', /over the limit/)
  })

  it('frame: unknown kind, flags or broken field rule: protocol error', () => {
    const body = fromHex('c0')
    expectRefusal(
      [rawFrame({ kind: 0, flags: 0, requestId: 0, deadlineMs: 0 }, body)],
      'protocol',
      /unknown frame kind 0/,
    )
    expectRefusal(
      [rawFrame({ kind: 200, flags: 0, requestId: 0, deadlineMs: 0 }, body)],
      'protocol',
      /unknown frame kind 200/,
    )
    expectRefusal(
      [rawFrame({ kind: FrameKind.hello, flags: 1, requestId: 0, deadlineMs: 0 }, body)],
      'protocol',
      /flags 0x1/,
    )
    expectRefusal(
      [rawFrame({ kind: FrameKind.request, flags: 0, requestId: 0, deadlineMs: 9 }, body)],
      'protocol',
      /requestId 0/,
    )
    expectRefusal(
      [rawFrame({ kind: FrameKind.request, flags: 0, requestId: 4, deadlineMs: 0 }, body)],
      'protocol',
      /without a deadline/,
    )
    expectRefusal(
      [rawFrame({ kind: FrameKind.welcome, flags: 0, requestId: 0, deadlineMs: 3 }, body)],
      'protocol',
      /with a deadline/,
    )
  })

  it('frame: garbage bytes: refused, never a hang past frameBytesMax or a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 18, maxLength: 200 }), (garbage) => {
        const decoder = new FrameDecoder({ frameBytesMax: 1024 })
        let outcome: 'frame' | 'need-more' | 'refused' = 'need-more'
        try {
          decoder.push(garbage)
          outcome = decoder.next() === null ? 'need-more' : 'frame'
        } catch (error) {
          expect(isShoalError(error, 'protocol') || isShoalError(error, 'too-large')).toBe(true)
          outcome = 'refused'
        }
        // A random 32-bit checksum matches with odds 2^-32: garbage never yields a frame.
        expect(outcome).not.toBe('frame')
        if (outcome === 'need-more') expect(decoder.bufferedBytes).toBeLessThan(1024)
      }),
      { numRuns: 300 },
    )
  })
})
