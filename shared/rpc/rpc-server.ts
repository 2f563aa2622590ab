/**
 * RpcServer: the TCP side of the RPC layer (node:net). It accepts connections and gives each a
 * ServerConnection (handshake, frame decoding, dispatch to one RpcHandler, per-connection
 * in-flight limit, refusal of bad frames). A misbehaving client costs only its own connection.
 *
 *   const server = new RpcServer(clock, timers, logger, { host: '127.0.0.1', port: 0,
 *     clusterId, nodeId, handler })
 *   const { port } = await server.listen()
 *   ...
 *   await server.close()
 */
import { createServer, type Server, type Socket } from 'node:net'
import { assert } from '../assert.ts'
import { ShoalError } from '../errors.ts'
import { limits } from '../limits.ts'
import type { Logger } from '../log.ts'
import { protocolVersion } from '../protocol/envelope.ts'
import type { Clock, Timers } from '../time/clock.ts'
import type { RpcHandler } from './rpc-handler.ts'
import { RpcMethodStats } from './rpc-method-stats.ts'
import { newRpcServerStats, type RpcServerStats } from './rpc-server-stats.ts'
import { ServerConnection } from './server-connection.ts'

export interface RpcServerOptions {
  readonly host: string
  /** 0 picks a free port (tests); listen() reports it. */
  readonly port: number
  readonly clusterId: string
  readonly nodeId: string
  readonly handler: RpcHandler
  readonly inFlightPerConnectionMax?: number
  readonly readAheadBytesPerConnectionMax?: number
  readonly frameBytesMax?: number
  readonly handshakeMsMax?: number
  readonly closeGraceMs?: number
  readonly connectionsMax?: number
  /** A handler threw something other than a ShoalError (the node crashes on an assertion). */
  readonly onInternalError?: (error: unknown, method: string) => void
  /** The protocol version to announce; only tests of the handshake override it. */
  readonly protocolVersion?: number
}

export class RpcServer {
  readonly stats: RpcServerStats = newRpcServerStats()
  /** Latency per method of the requests served (not one-way messages). */
  readonly methodStats = new RpcMethodStats()
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #logger: Logger
  readonly #options: RpcServerOptions
  readonly #server: Server
  readonly #connections = new Set<ServerConnection>()
  #listening = false

  constructor(clock: Clock, timers: Timers, logger: Logger, options: RpcServerOptions) {
    this.#clock = clock
    this.#timers = timers
    this.#logger = logger
    this.#options = options
    this.#server = createServer({ noDelay: true, allowHalfOpen: false, pauseOnConnect: false })
    this.#server.maxConnections = options.connectionsMax ?? limits.rpcConnectionsMax
    this.#server.on('connection', (socket) => this.#onConnection(socket))
    this.#server.on('error', (error) => this.#logger.error('rpc server error', { error }))
  }

  get connectionCount(): number {
    return this.#connections.size
  }

  /** Starts listening; resolves with the bound address (the real port when port was 0). */
  async listen(): Promise<{ host: string; port: number }> {
    assert(!this.#listening, 'listen called twice')
    this.#listening = true
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void =>
        reject(new ShoalError('io', `rpc listen failed: ${error.message}`, { cause: error }))
      this.#server.once('error', onError)
      this.#server.listen({ host: this.#options.host, port: this.#options.port }, () => {
        this.#server.off('error', onError)
        resolve()
      })
    })
    const address = this.#server.address()
    assert(address !== null && typeof address === 'object', 'a TCP server has an address')
    return { host: address.address, port: address.port }
  }

  /** Stops accepting, closes every connection (aborting its handlers) and resolves when done. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const connection of this.#connections) connection.destroy()
    await closed
  }

  #onConnection(socket: Socket): void {
    this.stats.connectionsAccepted++
    const options = this.#options
    const connection = new ServerConnection(
      this.#clock,
      this.#timers,
      this.#logger,
      socket,
      {
        local: {
          protocolVersion: options.protocolVersion ?? protocolVersion,
          clusterId: options.clusterId,
          nodeId: options.nodeId,
          traceContext: true,
        },
        handler: options.handler,
        inFlightMax: options.inFlightPerConnectionMax ?? limits.rpcInFlightPerConnectionMax,
        readAheadBytesMax:
          options.readAheadBytesPerConnectionMax ?? limits.rpcReadAheadBytesPerConnectionMax,
        frameBytesMax: options.frameBytesMax ?? limits.frameBytesMax,
        handshakeMsMax: options.handshakeMsMax ?? limits.rpcHandshakeMsMax,
        closeGraceMs: options.closeGraceMs ?? limits.rpcCloseGraceMs,
        onInternalError:
          options.onInternalError ??
          ((error, method) => {
            this.#logger.error('rpc handler failed', { method, error })
          }),
        stats: this.stats,
        methodStats: this.methodStats,
      },
      (closed) => this.#connections.delete(closed),
    )
    this.#connections.add(connection)
  }
}
