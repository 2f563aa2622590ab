// CLI formatting: printable UTF-8 stays text, anything else is base64 and says so; tables align.
import { describe, expect, it } from 'vitest'
import { renderValue, table, valueLine } from './format.ts'

describe('cli format', () => {
  it('cli format: printable utf-8: shown as text', () => {
    expect(renderValue(new TextEncoder().encode('héllo\nworld'))).toEqual({
      text: 'héllo\nworld',
      encoding: 'utf8',
    })
  })
  it('cli format: binary or control bytes: base64 with a marker', () => {
    expect(valueLine(new Uint8Array([0xff, 0xfe]))).toBe('(base64) //4=')
    expect(renderValue(new Uint8Array([0x61, 0x00])).encoding).toBe('base64')
  })
  it('cli format: table: columns align to the widest cell', () => {
    expect(
      table(
        ['key', 'v'],
        [
          ['a', 1],
          ['long-key', null],
        ],
      ),
    ).toBe('key       v\na         1\nlong-key  -')
  })
})
