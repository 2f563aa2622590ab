// Segment scanning rules in isolation: file names, the torn-tail rule (only at the end of the
// last segment, only with nothing valid after it) and the header checks, on hand-built bytes.
import { describe, expect, it } from 'vitest'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { utf8 } from '../../shared/codecs/bytes.ts'
import { encodeRecord } from './record.ts'
import type { LogRecord } from './record.ts'
import { findValidRecord, parseSegmentFileName, scanSegment, segmentFileName } from './segment.ts'

function segment(id: number, records: LogRecord[]): { bytes: Uint8Array; ends: number[] } {
  const writer = new ByteWriter()
  const ends: number[] = []
  for (const record of [{ kind: 'segment-header' as const, segmentId: id }, ...records]) {
    encodeRecord(writer, record)
    ends.push(writer.length)
  }
  return { bytes: writer.finish(), ends }
}

const records: LogRecord[] = [1, 2, 3].map((index) => ({
  kind: 'entries',
  shardId: 1,
  firstIndex: index,
  entries: [{ term: 1, data: utf8(`entry ${index}`) }],
}))

describe('raftlog segment', () => {
  it('segment: file names: 20 digits, parsed back, others ignored', () => {
    expect(segmentFileName(42)).toBe('00000000000000000042.log')
    expect(parseSegmentFileName('00000000000000000042.log')).toBe(42)
    expect(parseSegmentFileName('42.log')).toBeUndefined()
    expect(parseSegmentFileName('00000000000000000042.log.tmp')).toBeUndefined()
    expect(parseSegmentFileName('00000000000000000000.log')).toBeUndefined()
  })

  it('segment: last segment cut at every byte: scans the whole records before the cut', () => {
    const { bytes, ends } = segment(3, records)
    for (let cut = 0; cut <= bytes.length; cut++) {
      const scan = scanSegment(bytes.subarray(0, cut), 'seg', 3, true)
      const whole = ends.filter((end) => end <= cut)
      expect(scan.validBytes).toBe(whole[whole.length - 1] ?? 0)
      expect(scan.records.length).toBe(whole.length)
    }
  })

  it('segment: sealed segment cut mid-record: corruption at the record offset', () => {
    const { bytes, ends } = segment(3, records)
    expect(() => scanSegment(bytes.subarray(0, ends[1]! + 3), 'seg', 3, false)).toThrow(
      new RegExp(`seg at offset ${ends[1]}`),
    )
  })

  it('segment: bad record with a valid one after it: corruption, not a torn tail', () => {
    const { bytes, ends } = segment(3, records)
    const damaged = bytes.slice()
    damaged[ends[1]! + 12]! ^= 0xff
    expect(findValidRecord(damaged, ends[1]! + 1)).toBe(ends[2])
    expect(() => scanSegment(damaged, 'seg', 3, true)).toThrow(/followed by a valid record/)
  })

  it('segment: header naming another id, or missing: corruption at offset 0', () => {
    const { bytes } = segment(3, records)
    expect(() => scanSegment(bytes, 'seg', 4, true)).toThrow(/names id 3 in seg at offset 0/)
    const headless = new ByteWriter()
    encodeRecord(headless, records[0]!)
    expect(() => scanSegment(headless.finish(), 'seg', 1, true)).toThrow(/missing segment header/)
  })
})
