/**
 * RPC spans (OpenTelemetry RPC conventions, `rpc.system` = "shoal"): a CLIENT span per request
 * a traced caller makes, whose traceparent travels in the call body (shared/protocol/envelope.ts),
 * and a SERVER span on the peer, a child of that remote parent, active while the handler runs
 * so the handler's own spans and log lines (the pino mixin) join the trace.
 */
import { context, ROOT_CONTEXT, SpanKind, trace, type Span } from '@opentelemetry/api'
import { activeSpan, endSpan, shoalTracer } from './spans.ts'
import { formatTraceparent, parseTraceparent } from './traceparent.ts'

export interface RpcPeer {
  readonly host: string
  readonly port: number
  /** The node id, when known. */
  readonly nodeId?: string
}

export interface RpcClientSpan {
  readonly span: Span
  /** This span as the parent the server continues. */
  readonly traceparent: string
}

/** A CLIENT span for one request when the caller is inside a trace; null otherwise. */
export function startRpcClientSpan(method: string, peer: RpcPeer): RpcClientSpan | null {
  if (activeSpan() === null) return null
  const span = shoalTracer().startSpan(method, {
    kind: SpanKind.CLIENT,
    attributes: {
      'rpc.system': 'shoal',
      'rpc.method': method,
      'server.address': peer.host,
      'server.port': peer.port,
      ...(peer.nodeId === undefined ? {} : { 'shoal.peer.node': peer.nodeId }),
    },
  })
  return { span, traceparent: formatTraceparent(span.spanContext()) }
}

/** Ends the client span when the answer settles (the caller still gets the same promise). */
export function endRpcClientSpanOn(clientSpan: RpcClientSpan, answer: Promise<unknown>): void {
  answer.then(
    () => endSpan(clientSpan.span),
    (error: unknown) => endSpan(clientSpan.span, error),
  )
}

/**
 * Runs a server handler inside a SERVER span continuing `traceparent`; without a valid one
 * (an untraced or older caller) it is just `run()`.
 */
export function runInRpcServerSpan<T>(
  traceparent: string | undefined,
  call: { method: string; peerNodeId: string },
  run: () => Promise<T>,
): Promise<T> {
  if (traceparent === undefined) return run()
  const remote = parseTraceparent(traceparent)
  if (remote === null) return run()
  const parent = trace.setSpanContext(ROOT_CONTEXT, remote)
  const span = shoalTracer().startSpan(
    call.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'rpc.system': 'shoal',
        'rpc.method': call.method,
        'shoal.peer.node': call.peerNodeId,
      },
    },
    parent,
  )
  return context.with(trace.setSpan(parent, span), run).then(
    (value) => {
      endSpan(span)
      return value
    },
    (error: unknown) => {
      endSpan(span, error)
      throw error
    },
  )
}
