// Goal: prove the writer batches a turn's frames into one socket write and holds frames while
// the socket is backed up, writing them after 'drain' in order. Method: a real loopback socket
// pair; the writing socket's write() is wrapped to count calls, and the reading side is paused
// to fill the kernel buffers.
import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { FrameWriter } from './frame-writer.ts'
import { waitFor } from './rpc-fixture.ts'

const cleanups: Array<() => void> = []

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A connected pair: `writer` side and the server's `reader` side, plus everything read. */
async function socketPair(): Promise<{ writing: Socket; reading: Socket; received: Buffer[] }> {
  const received: Buffer[] = []
  let reading: Socket | null = null
  const server: Server = createServer((socket) => {
    reading = socket
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const writing = connect({ host: '127.0.0.1', port, noDelay: true })
  writing.on('error', () => {})
  await waitFor(() => reading !== null)
  cleanups.push(() => {
    writing.destroy()
    reading?.destroy()
    server.close()
  })
  return { writing, reading: reading!, received }
}

function countWrites(socket: Socket): { count: number } {
  const counter = { count: 0 }
  const write = socket.write.bind(socket)
  socket.write = ((...args: Parameters<Socket['write']>) => {
    counter.count++
    return write(...args)
  }) as Socket['write']
  return counter
}

function frameOf(index: number, bytes: number): Uint8Array {
  return new Uint8Array(bytes).fill(index % 256)
}

describe('frame writer', () => {
  it('frame writer: 100 small frames in one turn: one write, bytes in order', async () => {
    const { writing, received } = await socketPair()
    const writes = countWrites(writing)
    const writer = new FrameWriter(writing, () => {})
    const frames = Array.from({ length: 100 }, (_, index) => frameOf(index, 50))
    for (const frame of frames) writer.enqueue(frame)
    expect(writes.count).toBe(0) // nothing is written until the end of the turn
    await waitFor(() => Buffer.concat(received).length === 5000)
    expect(writes.count).toBe(1)
    expect(Buffer.concat(received)).toEqual(Buffer.concat(frames))
  })

  it('frame writer: reader stalled: blocks, holds frames, then drains them in order', async () => {
    const { writing, reading, received } = await socketPair()
    reading.pause()
    let drains = 0
    const writer = new FrameWriter(writing, () => drains++)
    const frames = Array.from({ length: 64 }, (_, index) => frameOf(index, 256 * 1024))
    for (const frame of frames) {
      writer.enqueue(frame)
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    await waitFor(() => writer.blocked)
    expect(writer.queuedBytes).toBeGreaterThan(0)
    reading.resume()
    await waitFor(() => Buffer.concat(received).length === 64 * 256 * 1024, 20_000)
    expect(writer.blocked).toBe(false)
    expect(drains).toBeGreaterThan(0)
    expect(Buffer.concat(received).equals(Buffer.concat(frames))).toBe(true)
  })

  it('frame writer: closed: later frames are dropped, never written', async () => {
    const { writing } = await socketPair()
    const writes = countWrites(writing)
    const writer = new FrameWriter(writing, () => {})
    writer.close()
    writer.enqueue(frameOf(1, 10))
    writer.flushNow()
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(writes.count).toBe(0)
  })
})
