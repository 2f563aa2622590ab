// Goal: the traceparent codec round-trips valid contexts and ignores every malformed value the
// W3C spec says to ignore. Method: fixed examples from the spec plus fast-check round trips.
import { TraceFlags } from '@opentelemetry/api'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatTraceparent, parseTraceparent } from './traceparent.ts'

const example = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

describe('traceparent', () => {
  it('traceparent: the spec example: parses as a sampled remote parent', () => {
    expect(parseTraceparent(example)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    })
  })

  it('traceparent: malformed, all-zero or version ff: ignored (null)', () => {
    const bad = [
      '',
      'garbage',
      example.toUpperCase(),
      example.replace('00-', 'ff-'),
      `${example}-extra`,
      `00-${'0'.repeat(32)}-b7ad6b7169203331-01`,
      `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`,
      '00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01',
    ]
    for (const text of bad) expect(parseTraceparent(text)).toBeNull()
  })

  it('traceparent: a future version with extra fields: its known fields are used', () => {
    expect(parseTraceparent(`01-${example.slice(3)}-what-next`)?.spanId).toBe('b7ad6b7169203331')
  })

  it('traceparent: any valid context: format then parse round trips', () => {
    const hex = (length: number) =>
      fc
        .string({
          unit: fc.constantFrom(...'0123456789abcdef'),
          minLength: length,
          maxLength: length,
        })
        .filter((text) => /[1-9a-f]/.test(text))
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        const traceFlags = sampled ? TraceFlags.SAMPLED : TraceFlags.NONE
        const text = formatTraceparent({ traceId, spanId, traceFlags })
        expect(text).toHaveLength(55)
        expect(parseTraceparent(text)).toEqual({ traceId, spanId, traceFlags, isRemote: true })
      }),
      { numRuns: 200 },
    )
  })
})
