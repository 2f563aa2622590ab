// Log record framing (WAL and manifest): records round-trip; a cut or zero-filled tail is a torn
// tail and is dropped; a damaged record with good records after it is corruption naming the
// file and the record's offset.
import { describe, expect, it } from 'vitest'
import { frameRecord, readRecords, RECORD_HEADER_BYTES } from './record.ts'

function log(...payloads: string[]): Uint8Array {
  const frames = payloads.map((p) => frameRecord(new TextEncoder().encode(p)))
  return Buffer.concat(frames)
}

describe('log record', () => {
  it('read: three records: come back in order with their offsets', () => {
    const result = readRecords(log('a', 'bb', ''), 'x.log')
    expect(result.records.map((r) => new TextDecoder().decode(r.payload))).toEqual(['a', 'bb', ''])
    expect(result.records.map((r) => r.offset)).toEqual([0, 13, 27])
    expect(result.tornTail).toBe(false)
  })

  it('read: a log cut anywhere inside the last record: drops only that record', () => {
    const bytes = log('first', 'second')
    const secondAt = RECORD_HEADER_BYTES + 5
    for (let cut = secondAt; cut < bytes.length; cut++) {
      const result = readRecords(bytes.subarray(0, cut), 'x.log')
      expect(result.records.length).toBe(1)
      expect(result.validEnd).toBe(secondAt)
      expect(result.tornTail).toBe(cut > secondAt)
    }
  })

  it('read: a zero-filled tail: is a torn tail', () => {
    const bytes = Buffer.concat([log('one'), new Uint8Array(64)])
    const result = readRecords(bytes, 'x.log')
    expect(result.records.length).toBe(1)
    expect(result.tornTail).toBe(true)
  })

  it('read: a flipped bit in a record before the last: corruption naming file and offset', () => {
    for (const at of [2, 6, 10, 14]) {
      const bytes = log('alpha', 'beta', 'gamma')
      bytes[RECORD_HEADER_BYTES + 5 + at]! ^= 0x01
      expect(() => readRecords(bytes, 'x.log')).toThrow(/in x\.log at offset 17/)
    }
  })
})
