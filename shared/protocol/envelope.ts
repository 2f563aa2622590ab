/**
 * Envelopes: the decoded-body shapes of the protocol's own frame kinds (message-kind.ts), and
 * their parsers. Bodies arrive as `unknown`; these parsers are the edge where they become typed,
 * and a malformed envelope is a `protocol` ShoalError (the peer broke the protocol). The
 * params and results inside request/response bodies stay `unknown` for the RPC's caller.
 */
import { errorCodes, ShoalError, type ErrorCode } from '../errors.ts'

/** Protocol version spoken by this build; bumped on any change a peer could misread. */
export const protocolVersion = 1

/** hello (client -> server) and welcome (server -> client). */
export interface Hello {
  readonly protocolVersion: number
  readonly clusterId: string
  readonly nodeId: string
}

/** request and message bodies. */
export interface Call {
  readonly method: string
  readonly params: unknown
}

/** error bodies. */
export interface ErrorBody {
  readonly code: ErrorCode
  readonly message: string
}

const methodCharsMax = 256
const idCharsMax = 256
const errorMessageCharsMax = 4096
const knownCodes: ReadonlySet<string> = new Set<string>(errorCodes)

export function callBody(call: Call): unknown {
  return [call.method, call.params]
}

export function parseCall(body: unknown): Call {
  if (!Array.isArray(body) || body.length !== 2) {
    throw new ShoalError('protocol', 'call body is not a [method, params] pair')
  }
  const [method, params]: unknown[] = body
  if (typeof method !== 'string' || method.length === 0 || method.length > methodCharsMax) {
    throw new ShoalError('protocol', `call method is not a string of 1..${methodCharsMax} chars`)
  }
  return { method, params }
}

export function parseHello(body: unknown): Hello {
  if (typeof body !== 'object' || body === null) {
    throw new ShoalError('protocol', 'hello body is not an object')
  }
  const fields: Record<string, unknown> = { ...body }
  const { protocolVersion: version, clusterId, nodeId } = fields
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    throw new ShoalError('protocol', 'hello protocolVersion is not a non-negative integer')
  }
  if (!isId(clusterId)) throw new ShoalError('protocol', 'hello clusterId is not a string id')
  if (!isId(nodeId)) throw new ShoalError('protocol', 'hello nodeId is not a string id')
  return { protocolVersion: version, clusterId, nodeId }
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
