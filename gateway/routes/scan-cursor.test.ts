// Goal: scan cursors round-trip exactly (direction and resume key, any bytes) and anything
// the gateway did not issue is a typed bad-request, never a crash or a silent restart.
// Method: fast-check round trip over random keys; a list of malformed cursors.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { decodeScanCursor, encodeScanCursor } from './scan-cursor.ts'

describe('scan-cursor', () => {
  it('scan-cursor: encode then decode: the same direction and bytes', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 64 }), (reverse, after) => {
        const text = encodeScanCursor({ reverse, after })
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/)
        expect(decodeScanCursor(text)).toEqual({ reverse, after })
      }),
      { numRuns: 300 },
    )
  })

  it('scan-cursor: malformed cursors: bad-request', () => {
    for (const text of ['', 'A', 'AA', 'AgA', 'AQI', '++++', 'AQA=', 'a b']) {
      let thrown: unknown
      try {
        decodeScanCursor(text)
      } catch (error) {
        thrown = error
      }
      expect(isShoalError(thrown, 'bad-request'), text).toBe(true)
    }
  })
})
