/**
 * ShoalError: failures with a stable code and a retryable flag (STYLE.md R6). Expected outcomes
 * (not found, version mismatch, not leader) are return values, not errors. HTTP statuses are
 * assigned in exactly one place, gateway/http-errors.ts; nothing here knows about HTTP.
 */

export const errorCodes = [
  'bad-request', // malformed input detected at the edge
  'too-large', // a key, value, batch or frame over its limit
  'unauthorized',
  'forbidden',
  'not-found',
  'conflict', // e.g. table already exists
  'version-mismatch', // CAS precondition failed
  'rate-limited',
  'overloaded', // a bounded queue is full; retry later
  'shard-unavailable', // no quorum or no leader within the deadline
  'not-leader',
  'deadline-exceeded',
  'aborted', // the caller cancelled
  'corruption', // a checksum or structure check failed on stored data
  'io', // the disk or OS refused (EIO, ENOSPC, ...)
  'disk-full',
  'closed', // the component was closed
  'protocol', // a peer sent a frame we cannot accept
  'unavailable', // transport failure talking to a peer
  'internal',
] as const

export type ErrorCode = (typeof errorCodes)[number]

const retryableCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'rate-limited',
  'overloaded',
  'shard-unavailable',
  'not-leader',
  'unavailable',
])

export class ShoalError extends Error {
  override readonly name = 'ShoalError'
  readonly code: ErrorCode
  readonly retryable: boolean

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retryable = retryableCodes.has(code)
  }
}

export function isShoalError(error: unknown, code?: ErrorCode): error is ShoalError {
  return error instanceof ShoalError && (code === undefined || error.code === code)
}

/** A corruption error always names the file and the byte offset where the check failed. */
export function corruption(file: string, offset: number, what: string): ShoalError {
  return new ShoalError('corruption', `${what} in ${file} at offset ${offset}`)
}
