// Goal: prove the server survives bad peers and slow handlers: every malformed stream (garbage,
// bad checksum, oversize length, unknown kind, no hello, undecodable body, truncated frame) is
// refused with an error frame and a closed connection while other clients keep being served;
// the per-connection in-flight limit holds, reading pauses instead of buffering without bound,
// and work whose deadline passed is dropped. Method: a real RpcServer on loopback, raw sockets
// writing hand-made bytes, and handlers held open by the test.
import { afterEach, describe, expect, it } from 'vitest'
import { deferred, type Deferred } from '../deferred.ts'
import { FrameKind } from '../protocol/message-kind.ts'
import type { RpcClient } from './rpc-client.ts'
import { deadlineIn, newClient, RawPeer, rejection, startServer, waitFor } from './rpc-fixture.ts'
import type { RpcHandler } from './rpc-handler.ts'
import type { RpcServer } from './rpc-server.ts'

const servers: RpcServer[] = []
const clients: RpcClient[] = []
const peers: RawPeer[] = []

async function serve(
  handler: RpcHandler,
  options: object = {},
): Promise<{ server: RpcServer; port: number }> {
  const started = await startServer({ handler, ...options })
  servers.push(started.server)
  return started
}

async function rawPeer(port: number): Promise<RawPeer> {
  const peer = await RawPeer.open(port)
  peers.push(peer)
  return peer
}

function client(port: number, options: Parameters<typeof newClient>[1] = {}): RpcClient {
  const created = newClient(port, options)
  clients.push(created)
  return created
}

const echo: RpcHandler = async (_method, params) => params

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.socket.destroy()
  for (const created of clients.splice(0)) created.close()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** Sends `bytes` from a raw peer and expects one connection-level error frame, then close. */
async function expectRefused(
  port: number,
  bytes: Uint8Array[],
  expected: { code: string; message: RegExp },
): Promise<void> {
  const peer = await rawPeer(port)
  for (const chunk of bytes) peer.write(chunk)
  await waitFor(() => peer.closed)
  const last = peer.frames.at(-1)
  expect(last?.kind).toBe(FrameKind.error)
  expect(last?.requestId).toBe(0)
  expect(last?.decoded).toMatchObject({ code: expected.code })
  expect(String((last?.decoded as { message: string }).message)).toMatch(expected.message)
}

describe('rpc server', () => {
  it('rpc server: bad streams: each refused with an error frame; others still served', async () => {
    const { server, port } = await serve(echo, { frameBytesMax: 4096 })
    const good = client(port)
    expect(await good.request('x', 'before', deadlineIn(2000))).toBe('before')
    const probe = await rawPeer(port)
    const hello = probe.hello()
    const request = probe.frame(FrameKind.request, ['m', 1], { requestId: 1, deadlineMs: 1000 })
    const badCrc = Buffer.from(request)
    badCrc[badCrc.length - 1] = badCrc[badCrc.length - 1]! ^ 0xff
    const unknownKind = Buffer.from(request)
    unknownKind[4] = 99 // the checksum now fails first: kind is only read after it
    const oversize = Buffer.alloc(8)
    oversize.writeUInt32LE(1_000_000, 0)
    const notACall = probe.frame(
      FrameKind.request,
      { not: 'a call' },
      {
        requestId: 2,
        deadlineMs: 1000,
      },
    )
    const responseFromClient = probe.frame(FrameKind.response, 1, { requestId: 5, deadlineMs: 0 })
    const cases: Array<[string, Uint8Array[], { code: string; message: RegExp }]> = [
      [
        'garbage',
        [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
        { code: 'too-large', message: /over the limit/ },
      ],
      ['bad crc', [hello, badCrc], { code: 'protocol', message: /checksum mismatch/ }],
      ['bad crc in hello', [badCrc], { code: 'protocol', message: /checksum mismatch/ }],
      ['kind byte changed', [hello, unknownKind], { code: 'protocol', message: /checksum/ }],
      ['oversize length', [hello, oversize], { code: 'too-large', message: /1000018 bytes/ }],
      ['request before hello', [request], { code: 'protocol', message: /expected hello/ }],
      ['second hello', [hello, hello], { code: 'protocol', message: /unexpected hello/ }],
      ['not a call', [hello, notACall], { code: 'protocol', message: /call body/ }],
      [
        'response from a client',
        [hello, responseFromClient],
        { code: 'protocol', message: /unexpected response/ },
      ],
      [
        'bad hello body',
        [probe.frame(FrameKind.hello, 'hi', { requestId: 0, deadlineMs: 0 })],
        { code: 'protocol', message: /hello body/ },
      ],
    ]
    probe.socket.destroy()
    for (const [name, bytes, expected] of cases) {
      await expectRefused(port, bytes, expected).catch((error: unknown) => {
        throw new Error(`case ${name}: ${String(error)}`)
      })
    }
    expect(await good.request('x', 'after', deadlineIn(2000))).toBe('after')
    expect(server.stats.connectionsRefused).toBe(cases.length)
    await waitFor(() => server.connectionCount === 1)
  })

  it('rpc server: unknown kind with a valid checksum: protocol error naming the kind', async () => {
    const { port } = await serve(echo)
    const peer = await rawPeer(port)
    // Rebuild a frame by hand with kind 99 and a correct checksum.
    const frame = Buffer.from(
      peer.frame(FrameKind.message, ['m', 1], { requestId: 0, deadlineMs: 0 }),
    )
    frame[4] = 99
    const { crc32c } = await import('../codecs/crc32c.ts')
    frame.writeUInt32LE(crc32c(frame.subarray(0, frame.length - 4)), frame.length - 4)
    peer.write(peer.hello())
    peer.write(frame)
    await waitFor(() => peer.closed)
    expect(peer.frames.map((received) => received.kind)).toEqual([
      FrameKind.welcome,
      FrameKind.error,
    ])
    expect(peer.frames[1]?.decoded).toEqual({ code: 'protocol', message: 'unknown frame kind 99' })
  })

  it('rpc server: truncated frame then close: connection cleaned up, server unharmed', async () => {
    const { server, port } = await serve(echo)
    const peer = await rawPeer(port)
    const request = peer.frame(FrameKind.request, ['m', 1], { requestId: 1, deadlineMs: 1000 })
    peer.write(peer.hello())
    peer.write(request.subarray(0, request.length - 3))
    await waitFor(() => peer.frames.length === 1) // welcome
    peer.socket.end()
    await waitFor(() => server.connectionCount === 0)
    expect(await client(port).request('x', 'still up', deadlineIn(2000))).toBe('still up')
  })

  it('rpc server: silent peer: refused after the handshake timeout', async () => {
    const { port } = await serve(echo, { handshakeMsMax: 50 })
    await expectRefused(port, [], { code: 'protocol', message: /no hello within 50 ms/ })
  })

  it('rpc server: slow handler: in-flight limit holds, reading pauses, all answered', async () => {
    const inFlightMax = 4
    let running = 0
    let runningMax = 0
    const gates: Array<Deferred<void>> = []
    const { server, port } = await serve(
      async (_method, params) => {
        running++
        runningMax = Math.max(runningMax, running)
        const gate = deferred<void>()
        gates.push(gate)
        await gate.promise
        running--
        return params
      },
      { inFlightPerConnectionMax: inFlightMax },
    )
    const rpc = client(port)
    const answers = Promise.all(
      Array.from({ length: 200 }, (_, index) => rpc.request('x', index, deadlineIn(20_000))),
    )
    let released = 0
    while (released < 200) {
      await waitFor(() => gates.length > released)
      expect(running).toBeLessThanOrEqual(inFlightMax)
      gates[released]!.resolve()
      released++
    }
    expect(await answers).toEqual(Array.from({ length: 200 }, (_, index) => index))
    expect(runningMax).toBe(inFlightMax)
    expect(server.stats.pauses).toBeGreaterThan(0)
  })

  it('rpc server: stalled handlers: memory bounded, client refuses with overloaded', async () => {
    const release = deferred<void>()
    let calls = 0
    const { port } = await serve(
      async () => {
        calls++
        await release.promise
        return 'ok'
      },
      { inFlightPerConnectionMax: 1 },
    )
    const queuedBytesMax = 4 * 1024 * 1024
    const rpc = client(port, { queuedBytesMax })
    await waitFor(() => {
      rpc.connect()
      return rpc.state === 'ready'
    })
    const value = new Uint8Array(256 * 1024)
    const outcomes: Array<Promise<unknown>> = []
    let overloaded: unknown = null
    for (let index = 0; index < 400 && overloaded === null; index++) {
      const outcome = rpc.request('put', value, deadlineIn(20_000))
      outcomes.push(outcome)
      outcome.catch((error: unknown) => {
        overloaded = error
      })
      // Let the socket write; the server is paused, so the kernel buffers fill and stay full.
      if (index % 8 === 7) await new Promise<void>((resolve) => setTimeout(resolve, 5))
    }
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(String(overloaded)).toMatch(/bytes queued/)
    // The server ran exactly one handler; the rest waited in kernel buffers, not in memory.
    expect(calls).toBe(1)
    release.resolve()
    const results = await Promise.allSettled(outcomes)
    const answered = results.filter((result) => result.status === 'fulfilled').length
    expect(answered).toBe(outcomes.length - 1)
  })

  it('rpc server: request waits past its deadline behind the limit: dropped unrun', async () => {
    const release = deferred<void>()
    const methods: string[] = []
    const { server, port } = await serve(
      async (method) => {
        methods.push(method)
        if (method === 'hold') await release.promise
        return method
      },
      { inFlightPerConnectionMax: 1 },
    )
    const rpc = client(port)
    const hold = rpc.request('hold', null, deadlineIn(10_000))
    await waitFor(() => methods.length === 1)
    const expired = await rejection(rpc.request('late', null, deadlineIn(50)))
    expect(expired.code).toBe('deadline-exceeded')
    // The server's deadline is later than the client's by the transit time (which can be tens
    // of ms on a loaded machine); let it pass too.
    await new Promise<void>((resolve) => setTimeout(resolve, 100))
    release.resolve()
    expect(await hold).toBe('hold')
    expect(await rpc.request('next', null, deadlineIn(2000))).toBe('next')
    expect(methods).toEqual(['hold', 'next'])
    expect(server.stats.requestsExpired).toBe(1)
  })

  it('rpc server: close with handlers running: handlers aborted, clients unavailable', async () => {
    const aborted = deferred<void>()
    const { server, port } = await serve(async (_method, _params, context) => {
      context.signal.addEventListener('abort', () => aborted.resolve())
      return new Promise(() => {})
    })
    servers.splice(0)
    const rpc = client(port)
    const failure = rejection(rpc.request('x', null, deadlineIn(5000)))
    await waitFor(() => server.stats.requests === 1)
    await server.close()
    await aborted.promise
    expect((await failure).code).toBe('unavailable')
  })
})
