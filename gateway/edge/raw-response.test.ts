// Goal: the raw response's 'close' listeners behave as node's EventEmitter does for the fast
// path's uses: `on` runs at close, `once` runs once, and `off` with the listener given to
// `once` removes it (the fast path's deadline route detaches that way after answering).
// Method: a RawResponse over a sink that records what is written; listeners count calls.
import { describe, expect, it } from 'vitest'
import { RawResponse, type ResponseHeads, type ResponseSink } from './raw-response.ts'

const heads: ResponseHeads = {
  dateLine: () => 'Date: x\r\n',
  trailer: () => '\r\n',
  sharedHead: () => Buffer.from('HTTP/1.1 200 OK\r\n'),
}

function response(): { response: RawResponse; written: Buffer[] } {
  const written: Buffer[] = []
  const sink: ResponseSink = {
    gone: false,
    finish: (_response, bytes, body) => {
      written.push(bytes)
      if (body !== null) written.push(body)
    },
  }
  return { response: new RawResponse(sink, false, heads), written }
}

describe('raw response', () => {
  it('raw response: on, once and off of a once listener, as EventEmitter', () => {
    const { response: r } = response()
    const calls = { on: 0, once: 0, removed: 0 }
    r.on('close', () => calls.on++)
    r.once('close', () => calls.once++)
    const removed = (): void => {
      calls.removed++
    }
    r.once('close', removed)
    r.off('close', removed)
    r.closed()
    r.closed()
    expect(calls).toEqual({ on: 1, once: 1, removed: 0 })
  })

  it('raw response: writeHead then end writes head and body once', () => {
    const { response: r, written } = response()
    r.writeHead(404, ['content-length', '2'])
    r.end('no')
    r.end('again')
    expect(Buffer.concat(written).toString('latin1')).toBe(
      'HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nDate: x\r\n\r\nno',
    )
  })
})
