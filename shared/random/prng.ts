/**
 * Prng: the only randomness in the code (STYLE.md R2). Seeded xoshiro128** with splitmix32
 * seeding: fast, 32-bit, deterministic across platforms. `fork()` derives an independent
 * stream for a subsystem so a change in one does not reshuffle the others.
 */
import { assert } from '../assert.ts'

export interface Prng {
  /** Uniform u32. */
  nextU32(): number
  /** Uniform float in [0, 1). */
  nextFloat(): number
  /** Uniform integer in [min, max] inclusive. */
  intInclusive(min: number, max: number): number
  /** True with probability p. */
  chance(p: number): boolean
  /** An independent generator derived from this one. */
  fork(): Prng
}

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0
  let z = next
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  z ^= z >>> 16
  return [next, z >>> 0]
}

export class SeededPrng implements Prng {
  #s0: number
  #s1: number
  #s2: number
  #s3: number

  constructor(seed: number) {
    assert(Number.isSafeInteger(seed), 'seed must be a safe integer')
    let state = (seed ^ Math.floor(seed / 0x100000000)) | 0
    const words: number[] = []
    for (let i = 0; i < 4; i++) {
      const [next, word] = splitmix32(state)
      state = next
      words.push(word)
    }
    this.#s0 = words[0]!
    this.#s1 = words[1]!
    this.#s2 = words[2]!
    this.#s3 = words[3]!
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9)
    const t = this.#s1 << 9
    this.#s2 ^= this.#s0
    this.#s3 ^= this.#s1
    this.#s1 ^= this.#s2
    this.#s0 ^= this.#s3
    this.#s2 ^= t
    this.#s3 = rotl(this.#s3, 11)
    return result >>> 0
  }

  nextFloat(): number {
    return this.nextU32() / 0x100000000
  }

  intInclusive(min: number, max: number): number {
    assert(Number.isSafeInteger(min) && Number.isSafeInteger(max), 'bounds must be integers')
    assert(min <= max, 'min must not exceed max')
    const span = max - min + 1
    if (span <= 0x100000000) return min + Math.floor(this.nextFloat() * span)
    const high = this.nextU32() * 0x100000000 + this.nextU32()
    return min + (high % span)
  }

  chance(p: number): boolean {
    return this.nextFloat() < p
  }

  fork(): Prng {
    return new SeededPrng(this.nextU32() * 0x200000 + (this.nextU32() >>> 11))
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
