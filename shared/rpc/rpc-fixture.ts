/**
 * Test fixture for the RPC tests and the benchmark: a server and clients on loopback with the
 * real clock, timers and sockets (the RPC layer is the I/O shell, so its tests use real I/O),
 * a raw socket for sending hand-made bytes, and a bounded wait on a condition.
 */
import { connect, type Socket } from 'node:net'
import { ShoalError } from '../errors.ts'
import { SilentLogger } from '../log.ts'
import { BodyCodec } from '../protocol/body-codec.ts'
import { protocolVersion } from '../protocol/envelope.ts'
import { encodeFrame, type Frame } from '../protocol/frame.ts'
import { FrameDecoder } from '../protocol/frame-decoder.ts'
import { FrameKind } from '../protocol/message-kind.ts'
import { SeededPrng } from '../random/prng.ts'
import { SystemClock, SystemTimers, type Timers } from '../time/clock.ts'
import { RpcClient, type RpcClientOptions } from './rpc-client.ts'
import { RpcServer, type RpcServerOptions } from './rpc-server.ts'

export const clusterId = 'test-cluster'
export const clock = new SystemClock()
export const timers = new SystemTimers()

export async function startServer(
  options: Partial<RpcServerOptions> & Pick<RpcServerOptions, 'handler'>,
  serverTimers: Timers = timers,
): Promise<{ server: RpcServer; port: number }> {
  const server = new RpcServer(clock, serverTimers, new SilentLogger(), {
    host: '127.0.0.1',
    port: 0,
    clusterId,
    nodeId: 'server-node',
    ...options,
  })
  const { port } = await server.listen()
  return { server, port }
}

export function newClient(port: number, options: Partial<RpcClientOptions> = {}): RpcClient {
  return new RpcClient(clock, timers, new SeededPrng(7), new SilentLogger(), {
    host: '127.0.0.1',
    port,
    clusterId,
    nodeId: 'client-node',
    ...options,
  })
}

export function deadlineIn(budgetMs: number): { deadlineMs: number } {
  return { deadlineMs: clock.monotonicMs() + budgetMs }
}

/** Polls `condition` every few ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const giveUpMs = clock.monotonicMs() + timeoutMs
  while (!condition()) {
    if (clock.monotonicMs() > giveUpMs) throw new Error(`condition not met in ${timeoutMs} ms`)
    await new Promise<void>((resolve) => timers.after(5, resolve))
  }
}

/** Settles to the ShoalError a promise rejected with; fails if it resolved. */
export async function rejection(promise: Promise<unknown>): Promise<ShoalError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ShoalError) return error
    throw error
  }
  throw new Error('expected a rejection')
}

/** A raw TCP peer: write any bytes, collect the frames the server answers, see it close. */
export class RawPeer {
  readonly socket: Socket
  readonly frames: Array<Frame & { decoded: unknown }> = []
  closed = false
  readonly #decoder = new FrameDecoder({ frameBytesMax: 1024 * 1024 })
  readonly #codec = new BodyCodec()

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.#decoder.push(chunk)
      for (let frame = this.#decoder.next(); frame !== null; frame = this.#decoder.next()) {
        this.frames.push({ ...frame, decoded: this.#codec.decode(frame.body) })
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.closed = true
    })
  }

  static async open(port: number): Promise<RawPeer> {
    const socket = connect({ host: '127.0.0.1', port })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return new RawPeer(socket)
  }

  frame(kind: FrameKind, body: unknown, ids: { requestId: number; deadlineMs: number }): Buffer {
    const bytes = this.#codec.encode(body)
    return Buffer.from(encodeFrame({ kind, ...ids }, bytes, { frameBytesMax: 1024 * 1024 }))
  }

  hello(overrides: Record<string, unknown> = {}): Buffer {
    const hello = { protocolVersion, clusterId, nodeId: 'raw-peer', ...overrides }
    return this.frame(FrameKind.hello, hello, { requestId: 0, deadlineMs: 0 })
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes)
  }
}
