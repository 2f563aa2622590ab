/**
 * Span helpers for hand instrumentation at the edges (RPC client and server, storage node
 * handlers, gateway backend). They use the global OpenTelemetry API, so they cost only the
 * API's no-op when tracing is off (tracing.ts), and they open a span only under an active one:
 * work outside a traced request (health polls, Raft traffic) makes no spans at all.
 *
 *   const item = childSpanSync('lsm.get', { 'shoal.shard': 3 }, () => db.getLatest(key))
 *   const result = await childSpan('raft.propose', attributes, (span) => host.propose(...))
 */
import {
  context,
  isSpanContextValid,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type SpanKind,
  type Tracer,
} from '@opentelemetry/api'
import { formatTraceparent } from './traceparent.ts'

export const tracerName = 'shoal'

export function shoalTracer(): Tracer {
  return trace.getTracer(tracerName)
}

/** The active span when it belongs to a valid trace, else null (always null when off). */
export function activeSpan(): Span | null {
  const span = trace.getSpan(context.active())
  return span !== undefined && isSpanContextValid(span.spanContext()) ? span : null
}

/** The active span's traceparent, for a peer to continue the trace; null outside a trace. */
export function activeTraceparent(): string | null {
  const span = activeSpan()
  return span === null ? null : formatTraceparent(span.spanContext())
}

/** Ends a span with the outcome: an error sets ERROR status and records the exception. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : String(error)
    span.setStatus({ code: SpanStatusCode.ERROR, message })
    if (error instanceof Error) span.recordException(error)
  }
  span.end()
}

/** Marks the active span (if any) as failed with `error`; the span's owner still ends it. */
export function markActiveSpanFailed(error: unknown): void {
  const span = activeSpan()
  if (span === null) return
  const message = error instanceof Error ? error.message : String(error)
  span.setStatus({ code: SpanStatusCode.ERROR, message })
}

/**
 * Runs `run` in a child of the active span (a span made active for it, so deeper spans nest),
 * ending it when the promise settles. Without an active span it is just `run()`.
 */
export async function childSpan<T>(
  name: string,
  attributes: Attributes,
  run: (span: Span | null) => Promise<T>,
  kind?: SpanKind,
): Promise<T> {
  if (activeSpan() === null) return run(null)
  const span = shoalTracer().startSpan(
    name,
    kind === undefined ? { attributes } : { attributes, kind },
  )
  try {
    const value = await context.with(trace.setSpan(context.active(), span), () => run(span))
    endSpan(span)
    return value
  } catch (error) {
    endSpan(span, error)
    throw error
  }
}

/** childSpan for synchronous work (an LSM point read). */
export function childSpanSync<T>(
  name: string,
  attributes: Attributes,
  run: (span: Span | null) => T,
): T {
  if (activeSpan() === null) return run(null)
  const span = shoalTracer().startSpan(name, { attributes })
  try {
    const value = context.with(trace.setSpan(context.active(), span), () => run(span))
    endSpan(span)
    return value
  } catch (error) {
    endSpan(span, error)
    throw error
  }
}
