// Command codec: every kind round-trips (fast-check), known-answer vectors pin the disk format,
// and bytes that are not a command are a typed corruption error, never a wrong command.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { type Command, decodeCommand, encodeCommand } from './command.ts'

const bytes = fc.uint8Array({ maxLength: 40 }).map((array) => new Uint8Array(array))
const safeNat = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
const condition = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  safeNat.map((version) => ({ kind: 'if-match' as const, version })),
  fc.constant({ kind: 'if-none-match' as const }),
)
const ref = { tableId: safeNat, partitionKey: bytes, sortKey: bytes }
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    ...ref,
    timestamp: safeNat,
    expiresAtMs: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
    condition,
    contentType: fc.string(),
    value: bytes,
  }),
  fc.record({ kind: fc.constant('delete' as const), ...ref, timestamp: safeNat, condition }),
  fc.record({
    kind: fc.constant('create-table' as const),
    name: fc.string({ minLength: 1 }),
    ttlSeconds: fc.option(fc.integer({ min: 1, max: 1e9 }), { nil: null }),
    maxVersions: fc.integer({ min: 1, max: 1000 }),
    valueBytesMax: fc.integer({ min: 1, max: 2 ** 31 }),
    createdAtMs: safeNat,
  }),
  fc.record({ kind: fc.constant('drop-table' as const), name: fc.string({ minLength: 1 }) }),
  fc.constant({ kind: 'noop' as const }),
)

function hex(array: Uint8Array): string {
  return Buffer.from(array).toString('hex')
}

describe('command codec', () => {
  it('command codec: any command: round-trips', () => {
    fc.assert(
      fc.property(command, (original) => {
        expect(decodeCommand(encodeCommand(original))).toEqual(original)
      }),
      { numRuns: 500 },
    )
  })
  it('command codec: known-answer vectors: pin the disk format', () => {
    const put = encodeCommand({
      kind: 'put',
      tableId: 3,
      partitionKey: new Uint8Array([0x6b]),
      sortKey: new Uint8Array(0),
      timestamp: 5,
      expiresAtMs: null,
      condition: { kind: 'if-match', version: 7 },
      contentType: 'a',
      value: new Uint8Array([0xff]),
    })
    expect(hex(put)).toBe(
      '0101' +
        '0300000000000000' +
        '016b' +
        '00' +
        '0500000000000000' +
        '0000000000000000' +
        '01' +
        '0700000000000000' +
        '0161' +
        '01ff',
    )
    expect(hex(encodeCommand({ kind: 'noop' }))).toBe('0105')
    expect(hex(encodeCommand({ kind: 'drop-table', name: 'ab' }))).toBe('0104026162')
  })
  it('command codec: truncated or unknown bytes: corruption error', () => {
    const valid = encodeCommand({ kind: 'drop-table', name: 'abc' })
    for (const bad of [valid.subarray(0, 3), new Uint8Array([2, 1]), new Uint8Array([1, 99])]) {
      let caught: unknown
      try {
        decodeCommand(bad)
      } catch (error) {
        caught = error
      }
      expect(isShoalError(caught, 'corruption')).toBe(true)
    }
  })
  it('command codec: trailing garbage: corruption error', () => {
    const valid = encodeCommand({ kind: 'noop' })
    expect(() => decodeCommand(new Uint8Array([...valid, 0]))).toThrow(/trailing/)
  })
})
