/**
 * Tracing setup for a process (gateway/main.ts, storage/main.ts): OpenTelemetry's NodeSDK,
 * started only when the standard OTEL_* environment asks for trace export, with no
 * auto-instrumentation (we instrument by hand, at the edges). Otherwise nothing is started:
 * the global tracer stays the API's no-op, and the span helpers (rpc-spans.ts, the gateway's
 * request middleware) skip span work because no active span exists.
 *
 * When enabled, NodeSDK reads the exporter settings from the same environment: by default
 * OTLP over HTTP (protobuf) to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT
 * (default http://localhost:4318), batched; sampler from OTEL_TRACES_SAMPLER. Metrics and logs
 * are not exported through OpenTelemetry (Prometheus /metrics and pino do that).
 *
 *   const tracing = startTracing({ serviceName: 'shoal-gateway', env }) // env from main.ts
 *   ...
 *   await tracing.shutdown() // flushes spans; on SIGTERM
 */
import { NodeSDK } from '@opentelemetry/sdk-node'
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base'

export type Env = Readonly<Record<string, string | undefined>>

export interface Tracing {
  readonly enabled: boolean
  /** Ends the SDK: flushes buffered spans and stops exporting. Idempotent. */
  shutdown(): Promise<void>
}

export const disabledTracing: Tracing = {
  enabled: false,
  shutdown: () => Promise.resolve(),
}

/**
 * True when the environment configures trace export: OTEL_TRACES_EXPORTER names an exporter
 * other than `none`, or an OTLP endpoint is given; and OTEL_SDK_DISABLED is not `true`.
 */
export function tracingEnabledByEnv(env: Env): boolean {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0)
  if (exporters.includes('none')) return false
  if (exporters.length > 0) return true
  const endpoint =
    env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? ''
  return endpoint.trim().length > 0
}

export interface StartTracingOptions {
  /** service.name of every span (OTEL_SERVICE_NAME, when set, is kept by the SDK). */
  readonly serviceName: string
  readonly env: Env
  /**
   * Tests only: process spans here (e.g. a SimpleSpanProcessor over an InMemorySpanExporter)
   * instead of the exporters the environment names; tracing is then on whatever env says.
   */
  readonly spanProcessors?: SpanProcessor[]
}

/** Starts the SDK when configured (see tracingEnabledByEnv), else returns disabledTracing. */
export function startTracing(options: StartTracingOptions): Tracing {
  const processors = options.spanProcessors
  if (processors === undefined && !tracingEnabledByEnv(options.env)) return disabledTracing
  const serviceName = options.env['OTEL_SERVICE_NAME'] ?? options.serviceName
  const sdk = new NodeSDK({
    serviceName,
    instrumentations: [],
    // Explicitly empty: without these NodeSDK would default to OTLP metric and log exporters.
    metricReaders: [],
    logRecordProcessors: [],
    ...(processors === undefined ? {} : { spanProcessors: processors }),
  })
  sdk.start()
  let stopped: Promise<void> | null = null
  return {
    enabled: true,
    shutdown: () => {
      stopped ??= sdk.shutdown()
      return stopped
    },
  }
}
