/**
 * RPC benchmark: `npm run bench -- rpc [--quick]` or `npx tsx loadtest/bench/rpc.ts [--quick]`.
 *
 * Measures the RPC layer (shared/rpc) on loopback against the transport floor, in one run:
 *
 * - `"engine":"shoal-rpc"`: RpcClient -> RpcServer whose handler echoes its params.
 * - `"engine":"raw-net"`: the same frame bytes through bare node:net: the peer writes back every
 *   chunk it reads (no decoding, no checksum, no msgpack, no handler), and the client writes one
 *   pre-built frame per request and counts answers by their length prefix only.
 *
 * Workloads: `round-trip` (concurrency 1: p50/p99 latency of one small request) and
 * `pipelined` (64 and 256 requests kept in flight on one connection: requests/s, p50/p99).
 * The request is a kv.put-sized body (16-byte key, 100-byte value); the answer has the same
 * size. The peer runs in a child process (forked with this file, `--serve <engine>`), so client
 * and server each get a core, as gateway and node would. Prints one JSON line per measurement,
 * with CPU time per request on each side beside the wall-clock figures (see CpuMeter).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { connect, createServer, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { SilentLogger } from '../../shared/log.ts'
import { BodyCodec } from '../../shared/protocol/body-codec.ts'
import { callBody } from '../../shared/protocol/envelope.ts'
import { encodeFrame, frameOverheadBytes } from '../../shared/protocol/frame.ts'
import { FrameKind } from '../../shared/protocol/message-kind.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { RpcClient } from '../../shared/rpc/rpc-client.ts'
import { RpcServer } from '../../shared/rpc/rpc-server.ts'
import { SystemClock, SystemTimers } from '../../shared/time/clock.ts'

type Engine = 'shoal-rpc' | 'raw-net'

/** Sends one request and resolves when its answer is back. */
type Call = () => Promise<void>

interface Peer {
  readonly call: Call
  close(): void
}

const clusterId = 'bench'
const method = 'kv.put'
const params = {
  shard: 3,
  table: 'bench',
  partitionKey: new Uint8Array(16).fill(7),
  sortKey: new Uint8Array(0),
  value: new Uint8Array(100).fill(42),
  durability: 'majority',
}

export async function runRpcBench(options: { quick: boolean }): Promise<void> {
  const sizes = options.quick
    ? { roundTrips: 3000, warmupRequests: 1000, warmupMs: 1000, pipelinedMs: 1000 }
    : { roundTrips: 20_000, warmupRequests: 5000, warmupMs: 2000, pipelinedMs: 3000 }
  for (const engine of ['shoal-rpc', 'raw-net'] as const) {
    const { child, port } = await startPeerProcess(engine)
    try {
      const peer = engine === 'shoal-rpc' ? shoalPeer(port) : await rawPeer(port)
      // Warm up both processes' JITs (the first second runs at a fraction of the steady rate).
      await runPipelined(peer.call, { concurrency: 64, durationMs: sizes.warmupMs })
      for (let index = 0; index < sizes.warmupRequests; index++) await peer.call()
      const cpu = new CpuMeter(child)
      await cpu.start()
      const latencies = await runSequential(peer.call, sizes.roundTrips)
      const roundTripCpu = await cpu.perRequest(latencies.length)
      print(
        { engine, workload: 'round-trip', concurrency: 1, ...summarize(latencies) },
        roundTripCpu,
      )
      for (const concurrency of [64, 256]) {
        const durationMs = sizes.pipelinedMs
        await cpu.start()
        const result = await runPipelined(peer.call, { concurrency, durationMs })
        print(
          { engine, workload: 'pipelined', concurrency, ...result },
          await cpu.perRequest(result['requests'] ?? 0),
        )
      }
      peer.close()
    } finally {
      child.kill()
    }
  }
}

function print(fields: Record<string, unknown>, cpu: Record<string, number>): void {
  const frameBytes =
    frameOverheadBytes + new BodyCodec().encode(callBody({ method, params })).length
  process.stdout.write(`${JSON.stringify({ bench: 'rpc', ...fields, ...cpu, frameBytes })}\n`)
}

/**
 * CPU time per request in the client (this process) and the peer (the child), from
 * process.cpuUsage(). Wall-clock rates depend on what else runs on the machine; CPU per request
 * does much less, and 1e6 / max(client, peer) is the rate one connection could reach with a
 * core for each side.
 */
class CpuMeter {
  readonly #child: ChildProcess
  #clientStart: NodeJS.CpuUsage = process.cpuUsage()
  #peerStartUs = 0

  constructor(child: ChildProcess) {
    this.#child = child
  }

  async start(): Promise<void> {
    this.#peerStartUs = await this.#peerCpuUs()
    this.#clientStart = process.cpuUsage()
  }

  async perRequest(requests: number): Promise<Record<string, number>> {
    const client = process.cpuUsage(this.#clientStart)
    const peerUs = (await this.#peerCpuUs()) - this.#peerStartUs
    const per = (us: number): number => Math.round((us / Math.max(1, requests)) * 10) / 10
    const clientCpuUsPerRequest = per(client.user + client.system)
    const peerCpuUsPerRequest = per(peerUs)
    const slowerUs = Math.max(clientCpuUsPerRequest, peerCpuUsPerRequest)
    return {
      clientCpuUsPerRequest,
      peerCpuUsPerRequest,
      cpuBoundRequestsPerSec: Math.round(1e6 / slowerUs),
    }
  }

  async #peerCpuUs(): Promise<number> {
    const answer = new Promise<number>((resolve) => {
      this.#child.once('message', (message: unknown) => {
        const fields: Record<string, unknown> =
          typeof message === 'object' && message !== null ? { ...message } : {}
        resolve(typeof fields['cpuUs'] === 'number' ? fields['cpuUs'] : Number.NaN)
      })
    })
    this.#child.send({ cpu: true })
    return answer
  }
}

async function runSequential(call: Call, requests: number): Promise<number[]> {
  const latenciesMs: number[] = []
  for (let index = 0; index < requests; index++) {
    const startMs = performance.now()
    await call()
    latenciesMs.push(performance.now() - startMs)
  }
  return latenciesMs
}

async function runPipelined(
  call: Call,
  options: { concurrency: number; durationMs: number },
): Promise<Record<string, number>> {
  const latenciesMs: number[] = []
  const startMs = performance.now()
  const endMs = startMs + options.durationMs
  const worker = async (): Promise<void> => {
    while (performance.now() < endMs) {
      const sentMs = performance.now()
      await call()
      latenciesMs.push(performance.now() - sentMs)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const elapsedS = (performance.now() - startMs) / 1000
  return {
    requestsPerSec: Math.round(latenciesMs.length / elapsedS),
    ...summarize(latenciesMs),
  }
}

function summarize(latenciesMs: number[]): Record<string, number> {
  const sorted = Float64Array.from(latenciesMs).sort()
  const at = (fraction: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN
  const micros = (ms: number): number => Math.round(ms * 1000)
  return { requests: sorted.length, p50Us: micros(at(0.5)), p99Us: micros(at(0.99)) }
}

function shoalPeer(port: number): Peer {
  const clock = new SystemClock()
  const client = new RpcClient(clock, new SystemTimers(), new SeededPrng(1), new SilentLogger(), {
    host: '127.0.0.1',
    port,
    clusterId,
    nodeId: 'bench-client',
  })
  return {
    call: async () => {
      await client.request(method, params, { deadlineMs: clock.monotonicMs() + 10_000 })
    },
    close: () => client.close(),
  }
}

/** The floor: pre-built request frames over a socket, answers counted by length prefix. */
async function rawPeer(port: number): Promise<Peer> {
  const body = new BodyCodec().encode(callBody({ method, params }))
  const header = { kind: FrameKind.request, requestId: 1, deadlineMs: 10_000 }
  const frame = encodeFrame(header, body, { frameBytesMax: 1024 * 1024 })
  const socket = connect({ host: '127.0.0.1', port, noDelay: true })
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  const waiters: Array<() => void> = []
  let waiterIndex = 0
  let pending: Buffer = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 4) {
      const frameBytes = pending.readUInt32LE(0) + frameOverheadBytes
      if (pending.length < frameBytes) break
      pending = pending.subarray(frameBytes)
      const waiter = waiters[waiterIndex++]
      if (waiterIndex === waiters.length) {
        waiters.length = 0
        waiterIndex = 0
      }
      waiter?.()
    }
  })
  return {
    call: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve)
        socket.write(frame)
      }),
    close: () => socket.destroy(),
  }
}

async function startPeerProcess(engine: Engine): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', engine], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: unknown) => {
      const fields: Record<string, unknown> =
        typeof message === 'object' && message !== null ? { ...message } : {}
      if (typeof fields['port'] === 'number') resolve(fields['port'])
      else reject(new Error(`peer process sent ${JSON.stringify(message)}`))
    })
    child.once('exit', (code) => reject(new Error(`peer process exited with ${code}`)))
  })
  return { child, port }
}

/** Child process: serve one engine on a free loopback port and report it to the parent. */
async function serve(engine: Engine): Promise<void> {
  let port: number
  if (engine === 'shoal-rpc') {
    const server = new RpcServer(new SystemClock(), new SystemTimers(), new SilentLogger(), {
      host: '127.0.0.1',
      port: 0,
      clusterId,
      nodeId: 'bench-server',
      handler: async (_method, received) => received,
    })
    port = (await server.listen()).port
  } else {
    const server = createServer({ noDelay: true }, (socket: Socket) => {
      socket.on('data', (chunk) => socket.write(chunk))
      socket.on('error', () => socket.destroy())
    })
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
    const address = server.address()
    port = typeof address === 'object' && address !== null ? address.port : 0
  }
  process.send?.({ port })
  process.on('message', () => {
    const usage = process.cpuUsage()
    process.send?.({ cpuUs: usage.user + usage.system })
  })
  process.on('disconnect', () => process.exit(0))
}

const isMain = process.argv[1] === fileURLToPath(import.meta.url)
if (isMain) {
  const serveIndex = process.argv.indexOf('--serve')
  const engine = process.argv[serveIndex + 1]
  if (serveIndex >= 0 && (engine === 'shoal-rpc' || engine === 'raw-net')) await serve(engine)
  else await runRpcBench({ quick: process.argv.includes('--quick') })
}
