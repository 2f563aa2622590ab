/**
 * KeyDigest: a key hashed once, then reused by every row of every sketch in every window
 * bucket. Two 32-bit halves of xxhash64(key, seed) drive Kirsch-Mitzenmacher double hashing:
 * row i uses (h1 + i * h2) mod width, which keeps the Count-Min guarantees with two hashes.
 * The seed comes from the detector's options, so the row functions are seeded.
 */
import { splitU64, xxhash64 } from '../../shared/hashing/xxhash64.ts'

export interface KeyDigest {
  readonly h1: number
  /** Odd, so that successive rows never collapse onto the same column. */
  readonly h2: number
}

export function digestKey(key: string, seed: bigint): KeyDigest {
  const { high, low } = splitU64(xxhash64(key, seed))
  return { h1: low, h2: (high | 1) >>> 0 }
}

/** Column of `digest` in row `row` of a sketch `width` wide. */
export function columnOf(digest: KeyDigest, row: number, width: number): number {
  return ((digest.h1 + Math.imul(row, digest.h2)) >>> 0) % width
}
