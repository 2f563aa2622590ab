/**
 * Bloom filter over user keys, one per table (layout in format.ts): m bits, k probes by double
 * hashing of one 32-bit hash (Kirsch-Mitzenmacher, as LevelDB). k = round(bitsPerKey * ln 2),
 * clamped to [1, 30]; 10 bits per key gives about 1% false positives.
 */
/** Hash of key[0, length) (a user key, or the user-key prefix of an internal key). */
export function bloomHash(key: Uint8Array, length = key.length): number {
  // Murmur-style 32-bit hash (LevelDB's util/hash.cc with seed 0xbc9f1d34).
  const m = 0xc6a4a793
  let h = (0xbc9f1d34 ^ Math.imul(length, m)) >>> 0
  let i = 0
  for (; i + 4 <= length; i += 4) {
    const w = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24)
    h = (h + w) >>> 0
    h = Math.imul(h, m) >>> 0
    h ^= h >>> 16
  }
  const rest = length - i
  if (rest === 3) h = (h + (key[i + 2]! << 16)) >>> 0
  if (rest >= 2) h = (h + (key[i + 1]! << 8)) >>> 0
  if (rest >= 1) {
    h = (h + key[i]!) >>> 0
    h = Math.imul(h, m) >>> 0
    h ^= h >>> 24
  }
  return h >>> 0
}

export function buildBloom(hashes: readonly number[], bitsPerKey: number): Uint8Array {
  const k = Math.min(30, Math.max(1, Math.round(bitsPerKey * 0.69)))
  const bits = Math.max(64, Math.ceil(hashes.length * bitsPerKey))
  const bytes = Math.ceil(bits / 8)
  const nbits = bytes * 8
  const out = new Uint8Array(bytes + 1)
  for (const hash of hashes) {
    let h = hash
    const delta = ((h >>> 17) | (h << 15)) >>> 0
    for (let j = 0; j < k; j++) {
      const bit = h % nbits
      out[bit >>> 3]! |= 1 << (bit & 7)
      h = (h + delta) >>> 0
    }
  }
  out[bytes] = k
  return out
}

export function bloomMayContain(filter: Uint8Array, hash: number): boolean {
  if (filter.length < 2) return true
  const bytes = filter.length - 1
  const nbits = bytes * 8
  const k = filter[bytes]!
  if (k > 30) return true
  let h = hash
  const delta = ((h >>> 17) | (h << 15)) >>> 0
  for (let j = 0; j < k; j++) {
    const bit = h % nbits
    if ((filter[bit >>> 3]! & (1 << (bit & 7))) === 0) return false
    h = (h + delta) >>> 0
  }
  return true
}
