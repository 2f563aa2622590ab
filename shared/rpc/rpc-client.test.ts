// Goal: prove the client's promises over a real loopback connection: answers reach the right
// caller among many on one connection, every request settles exactly once with a typed outcome
// (value, remote error, deadline, abort, connection loss, overload), the handshake refuses a
// mismatched peer with a clear error, a peer sending garbage is a protocol error, and the client
// reconnects after the server restarts.
// Method: a real RpcServer on 127.0.0.1 port 0 with handlers controlled by the test.
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { AbortLatch } from '../abort/abort-latch.ts'
import { BodyCodec } from '../protocol/body-codec.ts'
import { protocolVersion } from '../protocol/envelope.ts'
import { encodeFrame } from '../protocol/frame.ts'
import { FrameKind } from '../protocol/message-kind.ts'
import { deferred, type Deferred } from '../deferred.ts'
import { ShoalError } from '../errors.ts'
import type { RpcClient } from './rpc-client.ts'
import type { Timers } from '../time/clock.ts'
import {
  clusterId,
  deadlineIn,
  newClient,
  rejection,
  startServer,
  timers,
  waitFor,
} from './rpc-fixture.ts'
import type { RpcContext } from './rpc-handler.ts'
import type { RpcServer } from './rpc-server.ts'

const servers: RpcServer[] = []
const clients: RpcClient[] = []

async function serve(
  handler: (method: string, params: unknown, context: RpcContext) => Promise<unknown>,
  options: Parameters<typeof startServer>[0] | object = {},
): Promise<{ server: RpcServer; port: number }> {
  const started = await startServer({ handler, ...options })
  servers.push(started.server)
  return started
}

function client(port: number, options: Parameters<typeof newClient>[1] = {}): RpcClient {
  const created = newClient(port, options)
  clients.push(created)
  return created
}

const echo = async (method: string, params: unknown): Promise<unknown> => ({ method, params })

afterEach(async () => {
  for (const created of clients.splice(0)) created.close()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

describe('rpc client', () => {
  it('rpc client: request: round trip keeps method and binary params', async () => {
    const { port } = await serve(echo)
    const rpc = client(port)
    const params = { key: Uint8Array.of(1, 2, 3), n: 42, text: 'ok' }
    const answer = await rpc.request('kv.get', params, deadlineIn(2000))
    expect(answer).toEqual({ method: 'kv.get', params: { ...params, key: Buffer.from([1, 2, 3]) } })
    expect(rpc.state).toBe('ready')
    expect(rpc.pendingCount).toBe(0)
  })

  it('rpc client: 2000 concurrent on one connection: each gets its own answer', async () => {
    const { server, port } = await serve(async (_method, params) => {
      // Answer out of order: later requests may finish first.
      await new Promise<void>((resolve) => setImmediate(resolve))
      return params
    })
    const rpc = client(port)
    const answers = await Promise.all(
      Array.from({ length: 2000 }, (_, index) => rpc.request('echo', index, deadlineIn(10_000))),
    )
    expect(answers).toEqual(Array.from({ length: 2000 }, (_, index) => index))
    expect(server.stats.connectionsAccepted).toBe(1)
    expect(server.stats.requests).toBe(2000)
    expect(rpc.stats.connects).toBe(1)
  })

  it('rpc client: handler slower than deadline: deadline-exceeded, handler aborted', async () => {
    const handlerAborted = deferred<unknown>()
    const { server, port } = await serve(async (method, _params, context) => {
      if (method === 'warm') return 'warm'
      context.signal.addEventListener('abort', () => handlerAborted.resolve(context.signal.reason))
      await handlerAborted.promise
      return 'too late'
    })
    const rpc = client(port)
    expect(await rpc.request('warm', null, deadlineIn(2000))).toBe('warm')
    const startMs = performance.now()
    const error = await rejection(rpc.request('slow', null, deadlineIn(80)))
    expect(error.code).toBe('deadline-exceeded')
    expect(performance.now() - startMs).toBeLessThan(1000)
    // The server learnt the budget from the frame and aborted the handler at its deadline.
    const reason = await handlerAborted.promise
    expect(reason).toBeInstanceOf(ShoalError)
    expect((reason as ShoalError).code).toBe('deadline-exceeded')
    await waitFor(() => server.stats.responsesLate >= 1)
    expect(rpc.pendingCount).toBe(0)
  })

  it('rpc client: server deadline fires early: the aborted answer is late, not sent', async () => {
    // Node timers run on the loop's cached clock and can fire before deadlineMs by the
    // monotonic clock; a handler told its deadline passed must not have its answer sent.
    const early: Timers = {
      after: (ms, cb) => timers.after(Math.max(0, ms - 40), cb),
      every: (ms, cb) => timers.every(ms, cb),
    }
    const { server, port } = await startServer(
      {
        handler: async (method, _params, context) => {
          if (method === 'warm') return 'warm'
          await new Promise((resolve) => context.signal.addEventListener('abort', resolve))
          return 'answered after the abort'
        },
      },
      early,
    )
    servers.push(server)
    const rpc = client(port)
    expect(await rpc.request('warm', null, deadlineIn(2000))).toBe('warm')
    const error = await rejection(rpc.request('slow', null, deadlineIn(120)))
    expect(error.code).toBe('deadline-exceeded')
    await waitFor(() => server.stats.responsesLate >= 1)
  })

  it('rpc client: deadline already passed: rejected before anything is sent', async () => {
    const { server, port } = await serve(echo)
    const rpc = client(port)
    const error = await rejection(rpc.request('x', null, deadlineIn(-1)))
    expect(error.code).toBe('deadline-exceeded')
    expect(server.stats.requests).toBe(0)
  })

  // The gateway's flights cancel through an AbortLatch; everything else passes AbortSignals.
  const aborters = {
    AbortController: () => new AbortController(),
    AbortLatch: () => new AbortLatch(),
  }
  for (const [name, make] of Object.entries(aborters)) {
    it(`rpc client: ${name} aborted in flight: aborted; the late answer is ignored`, async () => {
      const release = deferred<void>()
      const { port } = await serve(async () => {
        await release.promise
        return 'done'
      })
      const rpc = client(port)
      const controller = make()
      const pending = rpc.request('x', null, { ...deadlineIn(5000), signal: controller.signal })
      await waitFor(() => rpc.state === 'ready')
      controller.abort(new Error('gone'))
      const error = await rejection(pending)
      expect(error.code).toBe('aborted')
      expect(rpc.pendingCount).toBe(0)
      release.resolve()
      await waitFor(() => rpc.stats.answersLate === 1)
      const preAborted = make()
      preAborted.abort(new Error('gone before'))
      const signal = preAborted.signal
      expect((await rejection(rpc.request('y', null, { ...deadlineIn(5000), signal }))).code).toBe(
        'aborted',
      )
    })
  }

  it('rpc client: handler throws ShoalError: caller gets the same code and message', async () => {
    const internal: unknown[] = []
    const { port } = await serve(
      async (method) => {
        if (method === 'bug') throw new TypeError('cannot read x of undefined')
        throw new ShoalError('not-leader', 'leader is n2')
      },
      { onInternalError: (error: unknown) => internal.push(error) },
    )
    const rpc = client(port)
    const remote = await rejection(rpc.request('kv.put', null, deadlineIn(2000)))
    expect(remote.code).toBe('not-leader')
    expect(remote.message).toBe('leader is n2')
    expect(remote.retryable).toBe(true)
    const bug = await rejection(rpc.request('bug', null, deadlineIn(2000)))
    expect(bug.code).toBe('internal')
    expect(bug.message).toBe('internal error in bug')
    expect(internal).toHaveLength(1)
    // The connection survives handler errors.
    expect(rpc.state).toBe('ready')
    expect(rpc.stats.connects).toBe(1)
  })

  it('rpc client: protocol version mismatch: protocol error naming both versions', async () => {
    const { server, port } = await serve(echo, { protocolVersion: 2 })
    const rpc = client(port)
    const error = await rejection(rpc.request('x', null, deadlineIn(2000)))
    expect(error.code).toBe('protocol')
    expect(error.message).toMatch(/protocol version mismatch: server-node speaks 2, client-node/)
    expect(server.stats.connectionsRefused).toBe(1)
    // While backing off, new requests fail at once with the same reason.
    expect(rpc.state).toBe('backoff')
    expect((await rejection(rpc.request('y', null, deadlineIn(2000)))).code).toBe('protocol')
    await waitFor(() => server.connectionCount === 0)
  })

  it('rpc client: cluster id or peer node id mismatch: protocol error', async () => {
    const { port } = await serve(echo)
    const other = client(port, { clusterId: 'another-cluster' })
    const error = await rejection(other.request('x', null, deadlineIn(2000)))
    expect(error.code).toBe('protocol')
    expect(error.message).toMatch(/cluster id mismatch/)
    const wrongPeer = client(port, { peerNodeId: 'node-9' })
    const peerError = await rejection(wrongPeer.request('x', null, deadlineIn(2000)))
    expect(peerError.code).toBe('protocol')
    expect(peerError.message).toMatch(/expected node node-9, reached server-node/)
  })

  it('rpc client: nothing listening: unavailable, then reconnects in backoff', async () => {
    const { server, port } = await serve(echo)
    await server.close()
    servers.splice(0)
    const rpc = client(port, { backoffMsMin: 5, backoffMsMax: 20 })
    const error = await rejection(rpc.request('x', null, deadlineIn(2000)))
    expect(error.code).toBe('unavailable')
    expect(error.retryable).toBe(true)
    await waitFor(() => rpc.stats.connects >= 3)
  })

  it('rpc client: server restarts: in-flight fails unavailable, then reconnects', async () => {
    const hold = deferred<void>()
    const first = await serve(async (method) => {
      if (method === 'hold') await hold.promise
      return 'first'
    })
    const rpc = client(first.port, { backoffMsMin: 5, backoffMsMax: 50 })
    expect(await rpc.request('x', null, deadlineIn(2000))).toBe('first')
    const inFlight = rejection(rpc.request('hold', null, deadlineIn(5000)))
    await waitFor(() => first.server.stats.requests === 2)
    await first.server.close()
    servers.splice(0)
    hold.resolve()
    expect((await inFlight).code).toBe('unavailable')
    const second = await serve(async () => 'second', { port: first.port })
    await waitFor(() => rpc.state === 'ready')
    expect(await rpc.request('x', null, deadlineIn(2000))).toBe('second')
    expect(rpc.stats.connects).toBeGreaterThanOrEqual(2)
    expect(second.server.stats.connectionsAccepted).toBe(1)
  })

  it('rpc client: pending limit reached: overloaded, the others still answered', async () => {
    const release = deferred<void>()
    const { port } = await serve(async () => {
      await release.promise
      return 'ok'
    })
    const rpc = client(port, { pendingMax: 3 })
    const held = [1, 2, 3].map(() => rpc.request('x', null, deadlineIn(5000)))
    const error = await rejection(rpc.request('x', null, deadlineIn(5000)))
    expect(error.code).toBe('overloaded')
    release.resolve()
    expect(await Promise.all(held)).toEqual(['ok', 'ok', 'ok'])
  })

  it('rpc client: one-way send: delivered as a message, never answered', async () => {
    const received: Array<{ method: string; params: unknown; oneWay: boolean }> = []
    const { port } = await serve(async (method, params, context) => {
      received.push({ method, params, oneWay: context.oneWay })
      return 'ignored'
    })
    const rpc = client(port)
    expect(rpc.send('raft.append', { term: 1 })).toBe(false) // not connected yet: dropped
    await waitFor(() => rpc.state === 'ready')
    expect(rpc.send('raft.append', { term: 2 })).toBe(true)
    await waitFor(() => received.length === 1)
    expect(received).toEqual([{ method: 'raft.append', params: { term: 2 }, oneWay: true }])
    expect(rpc.stats.messagesDropped).toBe(1)
  })

  it('rpc client: close: pending requests fail closed, later ones too', async () => {
    const never: Deferred<void> = deferred<void>()
    const { port } = await serve(async () => never.promise)
    const rpc = client(port)
    const pending = rpc.request('x', null, deadlineIn(5000))
    await waitFor(() => rpc.state === 'ready')
    rpc.close()
    expect((await rejection(pending)).code).toBe('closed')
    expect((await rejection(rpc.request('x', null, deadlineIn(5000)))).code).toBe('closed')
    never.resolve()
  })

  it('rpc client: body over frameBytesMax: too-large, connection unaffected', async () => {
    const { port } = await serve(echo)
    const rpc = client(port, { frameBytesMax: 1024 })
    const error = await rejection(rpc.request('x', new Uint8Array(2000), deadlineIn(2000)))
    expect(error.code).toBe('too-large')
    expect(await rpc.request('x', 1, deadlineIn(2000))).toEqual({ method: 'x', params: 1 })
  })

  it('rpc client: peer answers with garbage: protocol error, then reconnects', async () => {
    const codec = new BodyCodec()
    const welcome = encodeFrame(
      { kind: FrameKind.welcome, requestId: 0, deadlineMs: 0 },
      codec.encode({ protocolVersion, clusterId, nodeId: 'liar' }),
      { frameBytesMax: 1024 },
    )
    let connections = 0
    const liar: Server = createServer((socket: Socket) => {
      connections++
      let greeted = false
      socket.on('data', () => {
        socket.write(greeted ? Buffer.from('\x05\x00\x00\x00garbage-garbage-garbage') : welcome)
        greeted = true
      })
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => liar.listen({ host: '127.0.0.1', port: 0 }, resolve))
    const address = liar.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    try {
      const rpc = client(port, { backoffMsMin: 5, backoffMsMax: 20 })
      const error = await rejection(rpc.request('x', null, deadlineIn(2000)))
      expect(error.code).toBe('protocol')
      expect(error.message).toMatch(/checksum mismatch/)
      await waitFor(() => connections >= 2)
    } finally {
      for (const created of clients.splice(0)) created.close()
      await new Promise<void>((resolve) => liar.close(() => resolve()))
    }
  })
})
