/**
 * The load generator's response framing: bodies by Content-Length, chunked coding and
 * connection close, split at every byte boundary, and refusal of malformed heads. Method:
 * feed real HTTP/1.1 response bytes in pieces and compare the framed responses.
 */
import { describe, expect, it } from 'vitest'
import { ResponseParseError, ResponseParser, type ParsedResponse } from './response-parser.ts'

function feedAll(
  parser: ResponseParser,
  text: string,
  cut: number,
): { response: ParsedResponse | null; fedAfterDone: boolean } {
  const bytes = Buffer.from(text, 'latin1')
  let response: ParsedResponse | null = null
  let fedAfterDone = false
  for (const piece of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
    if (piece.length === 0) continue
    if (response !== null) fedAfterDone = true
    response = parser.feed(piece) ?? response
  }
  return { response, fedAfterDone }
}

const fixed =
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: "7"\r\nX-Shoal-Coalesced: follower\r\n\r\nhello'
const chunked =
  'HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n' +
  '3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nx-trailer: 1\r\n\r\n'

describe('ResponseParser', () => {
  it('parser: a Content-Length body cut at every byte: one response with its headers', () => {
    for (let cut = 0; cut <= fixed.length; cut++) {
      const parser = new ResponseParser()
      parser.expect({ keepBody: true, headOnly: false })
      const { response, fedAfterDone } = feedAll(parser, fixed, cut)
      expect(fedAfterDone).toBe(false)
      expect(response).toMatchObject({ status: 200, etag: '"7"', role: 'follower', close: false })
      expect(response?.body.toString()).toBe('hello')
    }
  })

  it('parser: chunked body cut at every byte: chunks joined, extensions, trailers skipped', () => {
    for (let cut = 0; cut <= chunked.length; cut++) {
      const parser = new ResponseParser()
      parser.expect({ keepBody: true, headOnly: false })
      const { response, fedAfterDone } = feedAll(parser, chunked, cut)
      expect(fedAfterDone).toBe(false)
      expect(response?.status).toBe(404)
      expect(response?.body.toString()).toBe('abcdefg')
    }
  })

  it('parser: body not kept: framed all the same and returned empty', () => {
    const parser = new ResponseParser()
    parser.expect({ keepBody: false, headOnly: false })
    const response = parser.feed(Buffer.from(chunked, 'latin1'))
    expect(response?.status).toBe(404)
    expect(response?.body.length).toBe(0)
  })

  it('parser: 304 and 204: no body even with a Content-Length', () => {
    for (const status of [204, 304]) {
      const parser = new ResponseParser()
      parser.expect({ keepBody: true, headOnly: false })
      const head = `HTTP/1.1 ${status} X\r\ncontent-length: 9\r\n\r\n`
      expect(parser.feed(Buffer.from(head))?.status).toBe(status)
    }
  })

  it('parser: one connection, two responses in turn: each framed on its own', () => {
    const parser = new ResponseParser()
    for (const text of [fixed, chunked]) {
      parser.expect({ keepBody: true, headOnly: false })
      expect(parser.feed(Buffer.from(text, 'latin1'))).not.toBeNull()
    }
  })

  it('parser: no length and no chunking: the body runs to the end of the connection', () => {
    const parser = new ResponseParser()
    parser.expect({ keepBody: true, headOnly: false })
    expect(parser.feed(Buffer.from('HTTP/1.0 200 OK\r\n\r\npart one, '))).toBeNull()
    expect(parser.feed(Buffer.from('part two'))).toBeNull()
    const response = parser.end()
    expect(response?.body.toString()).toBe('part one, part two')
    expect(response?.close).toBe(true)
  })

  it('parser: Connection: close is reported', () => {
    const parser = new ResponseParser()
    parser.expect({ keepBody: false, headOnly: false })
    const text = 'HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n'
    expect(parser.feed(Buffer.from(text))?.close).toBe(true)
  })

  it('parser: malformed heads and chunk sizes: ResponseParseError', () => {
    const bad = [
      'SMTP/1.1 200 OK\r\n\r\n',
      'HTTP/1.1 abc OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n',
    ]
    for (const text of bad) {
      const parser = new ResponseParser()
      parser.expect({ keepBody: false, headOnly: false })
      expect(() => parser.feed(Buffer.from(text))).toThrow(ResponseParseError)
    }
  })
})
