/**
 * xxhash64: the one 64-bit hash entry point of the code base (routing, sketches, rendezvous).
 * A thin seeded wrapper over @node-rs/xxhash's native `xxh64`, so every caller hashes the same
 * way and a seed is always explicit. Strings are hashed as their UTF-8 bytes. The result is an
 * unsigned 64-bit bigint (bigint is used only for 64-bit hashes, STYLE.md R16).
 */
import { xxh64 } from '@node-rs/xxhash'
import { assert } from '../assert.ts'

const u64Max = (1n << 64n) - 1n

export function xxhash64(input: Uint8Array | string, seed: bigint): bigint {
  assert(seed >= 0n && seed <= u64Max, 'xxhash64 seed must be an unsigned 64-bit value')
  return xxh64(input, seed)
}

/** Splits a 64-bit hash into two unsigned 32-bit halves, for code that works on numbers. */
export function splitU64(hash: bigint): { high: number; low: number } {
  return { high: Number(hash >> 32n), low: Number(hash & 0xffffffffn) }
}
