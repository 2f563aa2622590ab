// Goal: trace context crosses the RPC hop: a traced request makes a CLIENT span whose child is
// the peer's SERVER span (active in the handler), an untraced one makes no spans and sends no
// traceparent, and a peer that did not announce traceContext never receives one. Method: a real
// server and client on loopback under the real NodeSDK with an in-memory exporter; an "older"
// server hand-built from the frame codec records the call bodies it receives.
import { context, SpanKind, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { createServer, type Server } from 'node:net'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { BodyCodec } from '../protocol/body-codec.ts'
import { protocolVersion } from '../protocol/envelope.ts'
import { encodeFrame } from '../protocol/frame.ts'
import { FrameDecoder } from '../protocol/frame-decoder.ts'
import { FrameKind } from '../protocol/message-kind.ts'
import { activeSpan } from '../tracing/spans.ts'
import { startTracing } from '../tracing/tracing.ts'
import { clusterId, deadlineIn, newClient, startServer, waitFor } from './rpc-fixture.ts'

const exporter = new InMemorySpanExporter()
const tracing = startTracing({
  serviceName: 'rpc-test',
  env: {},
  spanProcessors: [new SimpleSpanProcessor(exporter)],
})
const tracer = trace.getTracer('rpc-tracing-test')

afterAll(() => tracing.shutdown())
beforeEach(() => exporter.reset())

/** A server that speaks the protocol as a build before trace context did. */
async function olderServer(bodies: unknown[]): Promise<{ server: Server; port: number }> {
  const codec = new BodyCodec()
  const server = createServer((socket) => {
    const decoder = new FrameDecoder({ frameBytesMax: 1 << 20 })
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk)
      for (let frame = decoder.next(); frame !== null; frame = decoder.next()) {
        const answer = (kind: FrameKind, requestId: number, body: unknown): boolean =>
          socket.write(
            encodeFrame({ kind, requestId, deadlineMs: 0 }, codec.encode(body), {
              frameBytesMax: 1 << 20,
            }),
          )
        if (frame.kind === FrameKind.hello) {
          answer(FrameKind.welcome, 0, { protocolVersion, clusterId, nodeId: 'old' })
        } else {
          bodies.push(codec.decode(frame.body))
          answer(FrameKind.response, frame.requestId, 'ok')
        }
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 }
}

describe('rpc tracing', () => {
  it('rpc tracing: traced call: the server span is the client span child, active', async () => {
    const seen: Array<string | null> = []
    const { server, port } = await startServer({
      handler: async () => {
        seen.push(activeSpan()?.spanContext().traceId ?? null)
        return 'pong'
      },
    })
    const client = newClient(port)
    await client.request('warm.up', null, deadlineIn(2000))
    exporter.reset()
    const root = tracer.startSpan('root')
    const answer = await context.with(trace.setSpan(context.active(), root), () =>
      client.request('test.ping', { n: 1 }, deadlineIn(2000)),
    )
    root.end()
    expect(answer).toBe('pong')
    await waitFor(() => exporter.getFinishedSpans().length === 3)
    const spans = exporter.getFinishedSpans()
    const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT)!
    const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER)!
    const traceId = root.spanContext().traceId
    expect(clientSpan.name).toBe('test.ping')
    expect(clientSpan.parentSpanContext?.spanId).toBe(root.spanContext().spanId)
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId)
    expect(serverSpan.spanContext().traceId).toBe(traceId)
    expect(serverSpan.attributes['rpc.method']).toBe('test.ping')
    expect(seen).toEqual([null, traceId])
    client.close()
    await server.close()
  })

  it('rpc tracing: handler error: both spans end with ERROR status', async () => {
    const { server, port } = await startServer({
      handler: () => Promise.reject(new Error('boom')),
    })
    const client = newClient(port)
    await expect(client.request('warm.up', null, deadlineIn(2000))).rejects.toThrow(/internal/)
    const root = tracer.startSpan('root')
    const failed = context.with(trace.setSpan(context.active(), root), () =>
      client.request('test.fail', null, deadlineIn(2000)),
    )
    await expect(failed).rejects.toThrow(/internal error/)
    root.end()
    await waitFor(() => exporter.getFinishedSpans().length === 3)
    const failedSpans = exporter.getFinishedSpans().filter((span) => span.name === 'test.fail')
    expect(failedSpans.map((span) => span.status.code)).toEqual([2, 2])
    client.close()
    await server.close()
  })

  it('rpc tracing: a peer that did not announce traceContext: calls are plain pairs', async () => {
    const bodies: unknown[] = []
    const { server, port } = await olderServer(bodies)
    const client = newClient(port)
    await client.request('warm.up', null, deadlineIn(2000))
    const root = tracer.startSpan('root')
    await context.with(trace.setSpan(context.active(), root), () =>
      client.request('test.ping', 1, deadlineIn(2000)),
    )
    root.end()
    expect(bodies).toEqual([
      ['warm.up', null],
      ['test.ping', 1],
    ])
    client.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
})
