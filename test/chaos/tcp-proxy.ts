/**
 * TcpProxy: a fault-injecting TCP proxy in front of one storage node. The cluster file
 * ADVERTISES the proxy's port while the node LISTENS on another (`--listen`), so every peer and
 * gateway connection to the node passes through here. Modes: `pass` forwards; `blackhole` keeps
 * connections open but drops every byte both ways (a silent partition); `reset` destroys every
 * connection and refuses new ones; `delay` forwards each chunk after `delayMs`.
 *
 * One proxy per node cannot tell which peer a connection comes from, so a partition isolates a
 * node's INBOUND side: nothing reaches it, and nothing it answers on its inbound connections
 * gets out. Its own outbound calls go through the other nodes' proxies (see cluster.ts).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export type ProxyMode = 'pass' | 'blackhole' | 'reset' | 'delay'

export class TcpProxy {
  readonly listenPort: number
  readonly targetPort: number
  #mode: ProxyMode = 'pass'
  #delayMs = 0
  readonly #server: Server
  readonly #sockets = new Set<Socket>()

  private constructor(listenPort: number, targetPort: number, server: Server) {
    this.listenPort = listenPort
    this.targetPort = targetPort
    this.#server = server
  }

  static async start(listenPort: number, targetPort: number): Promise<TcpProxy> {
    const server = createServer()
    const proxy = new TcpProxy(listenPort, targetPort, server)
    server.on('connection', (socket) => proxy.#accept(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(listenPort, '127.0.0.1', () => resolve())
    })
    return proxy
  }

  get mode(): ProxyMode {
    return this.#mode
  }

  setMode(mode: ProxyMode, delayMs = 0): void {
    this.#mode = mode
    this.#delayMs = delayMs
    if (mode === 'reset') for (const socket of this.#sockets) socket.destroy()
  }

  #accept(inbound: Socket): void {
    if (this.#mode === 'reset') {
      inbound.destroy()
      return
    }
    const outbound = createConnection({ host: '127.0.0.1', port: this.targetPort })
    this.#track(inbound)
    this.#track(outbound)
    this.#pipe(inbound, outbound)
    this.#pipe(outbound, inbound)
    const closeBoth = (): void => {
      inbound.destroy()
      outbound.destroy()
    }
    inbound.on('close', closeBoth)
    outbound.on('close', closeBoth)
    inbound.on('error', closeBoth)
    outbound.on('error', closeBoth)
  }

  #track(socket: Socket): void {
    socket.setNoDelay(true)
    this.#sockets.add(socket)
    socket.on('close', () => this.#sockets.delete(socket))
  }

  #pipe(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.#mode === 'blackhole' || this.#mode === 'reset') return
      if (this.#mode === 'delay' && this.#delayMs > 0) {
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk)
        }, this.#delayMs)
        return
      }
      if (!to.destroyed) to.write(chunk)
    })
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
