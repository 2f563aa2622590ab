/** Byte-string helpers: lexicographic compare, equality and concatenation on Uint8Array. */
import { assert } from '../assert.ts'

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const diff = a[i]! - b[i]!
    if (diff !== 0) return diff < 0 ? -1 : 1
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** The parts joined into one new array; `totalBytes` is their summed length. */
export function concatBytes(parts: readonly Uint8Array[], totalBytes: number): Uint8Array {
  const joined = new Uint8Array(totalBytes)
  let at = 0
  for (const part of parts) {
    joined.set(part, at)
    at += part.length
  }
  assert(at === totalBytes, 'concatenated length mismatch')
  return joined
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}
