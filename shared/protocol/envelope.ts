/**
 * Envelopes: the decoded-body shapes of the protocol's own frame kinds (message-kind.ts), and
 * their parsers. Bodies arrive as `unknown`; these parsers are the edge where they become typed,
 * and a malformed envelope is a `protocol` ShoalError (the peer broke the protocol). The
 * params and results inside request/response bodies stay `unknown` for the RPC's caller.
 */
import { errorCodes, ShoalError, type ErrorCode } from '../errors.ts'

/**
 * Protocol version spoken by this build; bumped on any change a peer could misread.
 *
 * Trace context did not bump it: it is an optional third element of a call body that a peer
 * receives only after announcing `traceContext: true` in its hello or welcome. An older peer
 * ignores the unknown hello field, never announces it, and so never receives a 3-element call.
 */
export const protocolVersion = 1

/** hello (client -> server) and welcome (server -> client). */
export interface Hello {
  readonly protocolVersion: number
  readonly clusterId: string
  readonly nodeId: string
  /** The sender accepts calls carrying a W3C traceparent (absent on older builds). */
  readonly traceContext?: boolean
}

/** request and message bodies. */
export interface Call {
  readonly method: string
  readonly params: unknown
  /**
   * W3C traceparent of the caller's span (`00-<trace id>-<span id>-<flags>`), only sent to a
   * peer that announced traceContext. Its syntax is checked by shared/tracing, which ignores a
   * malformed one as the W3C spec asks; the protocol only bounds its type and size.
   */
  readonly traceparent?: string
}

/** error bodies. */
export interface ErrorBody {
  readonly code: ErrorCode
  readonly message: string
}

const methodCharsMax = 256
const traceparentCharsMax = 256
const idCharsMax = 256
const errorMessageCharsMax = 4096
const knownCodes: ReadonlySet<string> = new Set<string>(errorCodes)

/** `[method, params]`, or `[method, params, traceparent]` when the call carries a trace. */
export function callBody(call: Call): unknown {
  const { method, params, traceparent } = call
  return traceparent === undefined ? [method, params] : [method, params, traceparent]
}

export function parseCall(body: unknown): Call {
  if (!Array.isArray(body) || (body.length !== 2 && body.length !== 3)) {
    throw new ShoalError('protocol', 'call body is not a [method, params, traceparent?] array')
  }
  const [method, params, traceparent]: unknown[] = body
  if (typeof method !== 'string' || method.length === 0 || method.length > methodCharsMax) {
    throw new ShoalError('protocol', `call method is not a string of 1..${methodCharsMax} chars`)
  }
  if (body.length === 2) return { method, params }
  if (typeof traceparent !== 'string' || traceparent.length > traceparentCharsMax) {
    throw new ShoalError(
      'protocol',
      `call traceparent is not a string of 0..${traceparentCharsMax} chars`,
    )
  }
  return { method, params, traceparent }
}

export function parseHello(body: unknown): Hello {
  if (typeof body !== 'object' || body === null) {
    throw new ShoalError('protocol', 'hello body is not an object')
  }
  const fields: Record<string, unknown> = { ...body }
  const { protocolVersion: version, clusterId, nodeId, traceContext } = fields
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new ShoalError('protocol', 'hello protocolVersion is not a non-negative integer')
  }
  if (!isId(clusterId)) throw new ShoalError('protocol', 'hello clusterId is not a string id')
  if (!isId(nodeId)) throw new ShoalError('protocol', 'hello nodeId is not a string id')
  if (traceContext === undefined) return { protocolVersion: version, clusterId, nodeId }
  if (typeof traceContext !== 'boolean') {
    throw new ShoalError('protocol', 'hello traceContext is not a boolean')
  }
  return { protocolVersion: version, clusterId, nodeId, traceContext }
}

/** Why two ends of a handshake cannot talk, or null when they can. */
export function helloMismatch(local: Hello, remote: Hello): string | null {
  if (remote.protocolVersion !== local.protocolVersion) {
    return (
      `protocol version mismatch: ${local.nodeId} speaks ${local.protocolVersion}, ` +
      `${remote.nodeId} speaks ${remote.protocolVersion}`
    )
  }
  if (remote.clusterId !== local.clusterId) {
    return (
      `cluster id mismatch: ${local.nodeId} is in "${local.clusterId}", ` +
      `${remote.nodeId} is in "${remote.clusterId}"`
    )
  }
  return null
}

export function errorBody(error: ShoalError): ErrorBody {
  return { code: error.code, message: error.message.slice(0, errorMessageCharsMax) }
}

/** An error body as the ShoalError to raise; an unknown code is itself a protocol error. */
export function parseErrorBody(body: unknown): ShoalError {
  if (typeof body !== 'object' || body === null) {
    return new ShoalError('protocol', 'error body is not an object')
  }
  const fields: Record<string, unknown> = { ...body }
  const { code, message } = fields
  if (typeof code !== 'string' || !knownCodes.has(code)) {
    return new ShoalError('protocol', `error body with unknown code ${JSON.stringify(code)}`)
  }
  if (typeof message !== 'string') return new ShoalError('protocol', 'error body without message')
  return new ShoalError(toErrorCode(code), message.slice(0, errorMessageCharsMax))
}

function toErrorCode(code: string): ErrorCode {
  for (const known of errorCodes) if (known === code) return known
  throw new ShoalError('protocol', `unknown error code ${code}`)
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= idCharsMax
}
