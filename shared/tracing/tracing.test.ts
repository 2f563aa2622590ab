// Goal: tracing is on exactly when the standard OTEL_* environment asks for trace export, and a
// disabled setup starts nothing. Method: a table of environments through tracingEnabledByEnv,
// and startTracing with an empty environment checked to leave the API's no-op tracer in place.
import { trace } from '@opentelemetry/api'
import { describe, expect, it } from 'vitest'
import { activeTraceparent } from './spans.ts'
import { disabledTracing, startTracing, tracingEnabledByEnv } from './tracing.ts'

describe('tracing setup', () => {
  it('tracing: environment: on for an exporter or an OTLP endpoint, off otherwise', () => {
    const cases: Array<[Record<string, string>, boolean]> = [
      [{}, false],
      [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
      [{ OTEL_TRACES_EXPORTER: ' console , otlp' }, true],
      [{ OTEL_TRACES_EXPORTER: 'none' }, false],
      [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' }, false],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, true],
      [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, true],
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
      [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'TRUE' }, false],
      [{ OTEL_SERVICE_NAME: 'x' }, false],
    ]
    for (const [env, enabled] of cases)
      expect([env, tracingEnabledByEnv(env)]).toEqual([env, enabled])
  })

  it('tracing: not configured: nothing started, spans are the no-op kind', async () => {
    const tracing = startTracing({ serviceName: 'test', env: { OTEL_TRACES_EXPORTER: 'none' } })
    expect(tracing).toBe(disabledTracing)
    const span = trace.getTracer('t').startSpan('x')
    expect(span.isRecording()).toBe(false)
    expect(activeTraceparent()).toBeNull()
    await tracing.shutdown()
  })
})
