/**
 * Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash
 * Algorithm", 2014): a 64-bit key -> a bucket in [0, bucketCount). Growing from n to n + 1
 * buckets moves a key only to the new bucket n, and only about 1/(n + 1) of the keys.
 *
 * The loop is the paper's: a 64-bit linear congruential step, then a jump to
 * floor((b + 1) * 2^31 / ((key >>> 33) + 1)). Expected iterations: ln(bucketCount) + 1.
 * The LCG runs on two u32 halves with exact 16-bit-limb products (bigint arithmetic was 5x
 * slower); jump-hash.test.ts checks it against a plain bigint twin. The jump is computed in
 * doubles exactly as the reference C++ computes it.
 */
import { assert } from '../assert.ts'

const lcgMultiplierHigh = 0x27bb2ee6 // 2862933555777941757 = 0x27BB2EE6_87B0B0FD
const lcgMultiplierLow = 0x87b0b0fd
const u64Mask = (1n << 64n) - 1n
const two31 = 2147483648 // 2^31, as a double like the reference's double(1LL << 31)
export const jumpBucketCountMax = 2 ** 31 - 1

export function jumpHash(key: bigint, bucketCount: number): number {
  assert(key >= 0n && key <= u64Mask, 'jump hash key must be an unsigned 64-bit value')
  assert(Number.isSafeInteger(bucketCount), 'bucket count must be an integer')
  assert(bucketCount >= 1 && bucketCount <= jumpBucketCountMax, 'bucket count out of range')
  let high = Number(key >> 32n)
  let low = Number(key & 0xffffffffn)
  let bucket = -1
  let next = 0
  while (next < bucketCount) {
    bucket = next
    // state = state * multiplier + 1 (mod 2^64), on u32 halves.
    const productLow = mulU32Low(low, lcgMultiplierLow)
    const carryHigh = mulU32High(low, lcgMultiplierLow)
    const lowPlusOne = productLow + 1
    high =
      (Math.imul(high, lcgMultiplierLow) +
        Math.imul(low, lcgMultiplierHigh) +
        carryHigh +
        (lowPlusOne > 0xffffffff ? 1 : 0)) >>>
      0
    low = lowPlusOne >>> 0
    next = Math.floor((bucket + 1) * (two31 / ((high >>> 1) + 1)))
  }
  assert(bucket >= 0 && bucket < bucketCount, 'jump hash left its range')
  return bucket
}

/** The low 32 bits of the 64-bit product of two u32 values. */
function mulU32Low(a: number, b: number): number {
  return Math.imul(a, b) >>> 0
}

/** The high 32 bits of the 64-bit product of two u32 values, from 16-bit limbs. */
function mulU32High(a: number, b: number): number {
  const a0 = a & 0xffff
  const a1 = a >>> 16
  const b0 = b & 0xffff
  const b1 = b >>> 16
  const p00 = a0 * b0
  const p01 = a0 * b1
  const p10 = a1 * b0
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)
  return (
    (a1 * b1 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + Math.floor(middle / 65536)) >>> 0
  )
}
