// crc32c: pins the known-answer vectors so a swapped checksum (e.g. IEEE CRC-32) fails loudly.
import { describe, expect, it } from 'vitest'
import { crc32c } from './crc32c.ts'

describe('crc32c', () => {
  it('crc32c: standard check value: matches 0xe3069283', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283)
  })
  it('crc32c: empty input: is zero', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0)
  })
  it('crc32c: incremental: equals one-shot', () => {
    const bytes = new TextEncoder().encode('hello, shoal')
    const first = crc32c(bytes.subarray(0, 5))
    expect(crc32c(bytes.subarray(5), first)).toBe(crc32c(bytes))
  })
  it('crc32c: subarray view: checksums only the view', () => {
    const bytes = new TextEncoder().encode('xx123456789yy')
    expect(crc32c(bytes.subarray(2, 11))).toBe(0xe3069283)
  })
})
