/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/): the one string the
 * RPC frame carries so a storage node's spans join the gateway's trace. Written here instead of
 * through a global propagator so the wire format is explicit and does not change with the
 * process's OTEL_PROPAGATORS. Parsing follows the spec's leniency: a malformed or all-zero
 * value is ignored (null), never an error, and a future version's extra fields are skipped.
 *
 *   00-<trace id: 32 hex>-<parent span id: 16 hex>-<flags: 2 hex>
 */
import { TraceFlags, type SpanContext } from '@opentelemetry/api'

const shape = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const zeroTraceId = '0'.repeat(32)
const zeroSpanId = '0'.repeat(16)

export function formatTraceparent(span: SpanContext): string {
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0')
  return `00-${span.traceId}-${span.spanId}-${flags}`
}

/** The remote parent a traceparent names, or null when it is not a valid one. */
export function parseTraceparent(text: string): SpanContext | null {
  const match = shape.exec(text)
  if (match === null) return null
  const [, version, traceId, spanId, flags, rest] = match
  if (version === undefined || traceId === undefined || spanId === undefined) return null
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null
  if (traceId === zeroTraceId || spanId === zeroSpanId || flags === undefined) return null
  const sampled = (Number.parseInt(flags, 16) & TraceFlags.SAMPLED) !== 0
  return {
    traceId,
    spanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  }
}
