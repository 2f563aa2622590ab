/**
 * Field readers shared by the node-to-node wire decoders (raft batches, snapshot chunks). A
 * decoder passes its own error maker so a refusal names the message it was decoding.
 */
import type { ShoalError } from '../../shared/errors.ts'

export interface WireFields {
  uint(value: unknown, what: string): number
  bytes(value: unknown, what: string): Uint8Array
}

export function wireFields(bad: (what: string) => ShoalError): WireFields {
  return {
    uint(value, what) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw bad(`${what} must be a non-negative integer`)
      }
      return value
    },
    bytes(value, what) {
      if (!(value instanceof Uint8Array)) throw bad(`${what} must be bytes`)
      return value
    },
  }
}
