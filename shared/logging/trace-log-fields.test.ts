// Goal: with tracing on, a log line written inside a span carries that span's trace and span ids,
// and a line outside any span carries neither. Method: the real NodeSDK with an in-memory
// exporter, and a real PinoLogger writing JSON lines into a memory stream.
import { context, trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { startTracing } from '../tracing/tracing.ts'
import { PinoLogger } from './pino-logger.ts'

const tracing = startTracing({
  serviceName: 'log-test',
  env: {},
  spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())],
})
afterAll(() => tracing.shutdown())

describe('trace log fields', () => {
  it('trace log fields: inside a span: traceId and spanId; outside: none', async () => {
    const lines: Array<Record<string, unknown>> = []
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    const logger = PinoLogger.create({ name: 't', level: 'info', stream }).child({
      requestId: 'r1',
    })
    const span = trace.getTracer('t').startSpan('work')
    await context.with(trace.setSpan(context.active(), span), async () => {
      await Promise.resolve()
      logger.info('inside', { n: 1 })
    })
    span.end()
    logger.info('outside')
    const { traceId, spanId } = span.spanContext()
    expect(lines[0]).toMatchObject({ msg: 'inside', n: 1, requestId: 'r1', traceId, spanId })
    expect(lines[1]).toMatchObject({ msg: 'outside', requestId: 'r1' })
    expect(lines[1]).not.toHaveProperty('traceId')
  })
})
