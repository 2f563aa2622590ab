/**
 * The trace fields of a log line: `traceId` and `spanId` of the active OpenTelemetry span, so a
 * line written while a traced request is handled (gateway request, node RPC handler) can be
 * found from its trace and back. Installed as pino's `mixin` (pino-logger.ts). With tracing off
 * there is never an active span, and this costs one context lookup per line.
 */
import { context, isSpanContextValid, trace } from '@opentelemetry/api'
import type { LogFields } from '../log.ts'

export function traceLogFields(): LogFields {
  const span = trace.getSpan(context.active())
  // A new object each time: pino merges the line's own fields into what the mixin returns.
  if (span === undefined) return {}
  const { traceId, spanId } = span.spanContext()
  return isSpanContextValid(span.spanContext()) ? { traceId, spanId } : {}
}
