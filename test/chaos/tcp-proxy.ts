/**
 * TcpProxy: a fault-injecting TCP proxy on ONE directed link (one client process → one storage
 * node). Every process gets its own cluster file in which each node's address is the port of
 * that process's link proxy to it (cluster.ts), so the harness can cut, slow or heal any link.
 *
 * A connection carries bytes both ways: `up` is client → server (requests, and Raft messages
 * the client node sends), `down` is server → client (replies). Each direction can drop every
 * byte (a silent partition: connections stay open, nothing arrives) and be delayed.
 * Delayed chunks keep their order: each direction is a FIFO released by due time, so a change
 * of delay never lets a chunk overtake an earlier one (which would corrupt the frame stream).
 * `heal()` destroys every connection that saw a drop (their streams lost bytes mid-frame) and
 * passes everything again; new connections then start clean.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export type Direction = 'up' | 'down'

interface Pending {
  readonly dueMs: number
  readonly chunk: Buffer
}

export class TcpProxy {
  readonly name: string
  readonly listenPort: number
  readonly targetPort: number
  readonly #drop = { up: false, down: false }
  readonly #delayMs = { up: 0, down: 0 }
  /** Set once a direction dropped bytes; heal() then resets the connections. */
  #dirty = false
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  /** Bytes dropped since start, both directions (anti-vacuity for partitions). */
  droppedBytes = 0

  private constructor(name: string, listenPort: number, targetPort: number, server: Server) {
    this.name = name
    this.listenPort = listenPort
    this.targetPort = targetPort
    this.#server = server
  }

  static async start(name: string, listenPort: number, targetPort: number): Promise<TcpProxy> {
    const server = createServer()
    const proxy = new TcpProxy(name, listenPort, targetPort, server)
    server.on('connection', (socket) => proxy.#accept(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(listenPort, '127.0.0.1', () => resolve())
    })
    return proxy
  }

  /** Drops every byte in `direction` until heal(). */
  cut(direction: Direction): void {
    this.#drop[direction] = true
    this.#dirty = true
  }

  /** Delays every chunk by `ms` (0: none), both ways or in one `direction`. */
  setDelay(ms: number, direction?: Direction): void {
    if (direction !== 'down') this.#delayMs.up = ms
    if (direction !== 'up') this.#delayMs.down = ms
  }

  get faulty(): boolean {
    return this.#drop.up || this.#drop.down || this.#delayMs.up > 0 || this.#delayMs.down > 0
  }

  heal(): void {
    this.#drop.up = false
    this.#drop.down = false
    this.setDelay(0)
    if (this.#dirty) for (const socket of this.#sockets) socket.destroy()
    this.#dirty = false
  }

  #accept(inbound: Socket): void {
    const outbound = createConnection({ host: '127.0.0.1', port: this.targetPort })
    this.#track(inbound)
    this.#track(outbound)
    this.#pipe(inbound, outbound, 'up')
    this.#pipe(outbound, inbound, 'down')
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

  #pipe(from: Socket, to: Socket, direction: Direction): void {
    const queue: Pending[] = []
    let timer: NodeJS.Timeout | null = null
    const drain = (): void => {
      timer = null
      const now = performance.now()
      while (queue.length > 0 && queue[0]!.dueMs <= now) {
        const next = queue.shift()!
        if (!to.destroyed) to.write(next.chunk)
      }
      if (queue.length > 0) timer = setTimeout(drain, Math.ceil(queue[0]!.dueMs - now))
    }
    from.on('data', (chunk: Buffer) => {
      if (this.#drop[direction]) {
        this.droppedBytes += chunk.length
        return
      }
      const delayMs = this.#delayMs[direction]
      if (delayMs === 0 && queue.length === 0) {
        if (!to.destroyed) to.write(chunk)
        return
      }
      const last = queue.length === 0 ? 0 : queue[queue.length - 1]!.dueMs
      queue.push({ dueMs: Math.max(performance.now() + delayMs, last), chunk })
      timer ??= setTimeout(drain, Math.ceil(queue[0]!.dueMs - performance.now()))
    })
    from.on('close', () => {
      if (timer !== null) clearTimeout(timer)
    })
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
