// Goal: the raft wire format round-trips every message shape and rejects bad input loudly.
// Method: a known-answer vector pins the layout; fast-check generates messages for round trips
// and mutates encodings (truncation, garbage, bad codes) to require typed 'protocol' errors.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { decodeMessage, encodeMessage } from './message-codec.ts'
import type { Entry, Message } from './messages.ts'
import { message, messageTypes } from './messages.ts'

const bytes = fc.uint8Array({ maxLength: 40 })
const small = fc.nat({ max: 2 ** 40 })

const entryArb: fc.Arbitrary<Entry> = fc.record({
  term: small,
  index: small,
  type: fc.constantFrom('normal' as const, 'conf-change' as const),
  data: bytes,
})

const messageArb: fc.Arbitrary<Message> = fc.record({
  type: fc.constantFrom(...messageTypes),
  from: small,
  to: small,
  term: small,
  logTerm: small,
  index: small,
  entries: fc.array(entryArb, { maxLength: 5 }),
  commit: small,
  reject: fc.boolean(),
  rejectHint: small,
  round: small,
  context: bytes,
  snapshot: fc.option(
    fc.record({
      metadata: fc.record({
        index: small,
        term: small,
        confState: fc.record({ voters: fc.array(small, { maxLength: 5 }),
          learners: fc.array(small, { maxLength: 3 }) }),
      }),
      data: bytes,
    }),
    { nil: null },
  ),
})

function expectProtocolError(run: () => unknown): void {
  try {
    run()
  } catch (error) {
    expect(isShoalError(error, 'protocol'), String(error)).toBe(true)
    return
  }
  throw new Error('expected a protocol error')
}

describe('raft message codec', () => {
  it('message codec: known heartbeat: encodes to the documented bytes', () => {
    const m = message({ type: 'heartbeat', from: 1, to: 2, term: 5, commit: 300, round: 7 })
    const encoded = Array.from(encodeMessage(m))
    // ver, type=2, flags, from, to, term, logTerm, index, commit=300 (0xac 0x02), hint, round,
    // context length, entry count.
    expect(encoded).toEqual([1, 2, 0, 1, 2, 5, 0, 0, 0xac, 0x02, 0, 7, 0, 0])
  })

  it('message codec: random messages: round-trip exactly', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m)
      }),
      { numRuns: 300 },
    )
  })

  it('message codec: every truncation: a typed protocol error', () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), (m, cut) => {
        const encoded = encodeMessage(m)
        expectProtocolError(() => decodeMessage(encoded.subarray(0, cut % encoded.length)))
      }),
      { numRuns: 200 },
    )
  })

  it('message codec: trailing bytes, bad version, type or flags: a protocol error', () => {
    const good = encodeMessage(message({ type: 'app', from: 1, to: 2, term: 1 }))
    const trailing = new Uint8Array([...good, 0])
    expectProtocolError(() => decodeMessage(trailing))
    for (const [offset, value] of [[0, 9], [1, 200], [2, 0x80]] as const) {
      const bad = good.slice()
      bad[offset] = value
      expectProtocolError(() => decodeMessage(bad))
    }
  })

  it('message codec: random garbage: decodes or fails with a protocol error only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (garbage) => {
        try {
          decodeMessage(garbage)
        } catch (error) {
          expect(isShoalError(error, 'protocol'), String(error)).toBe(true)
        }
      }),
      { numRuns: 500 },
    )
  })
})
