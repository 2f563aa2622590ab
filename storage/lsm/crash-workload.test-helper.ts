/**
 * Test helper for the LSM crash tests: a deterministic write workload (op i puts a value
 * stamped with i, or deletes, on a seeded key) and the oracle a recovered db is judged by —
 * it must hold exactly apply(ops[1..k]) for some k between the last acknowledged op and the
 * last issued one.
 */
import { SeededPrng } from '../../shared/random/prng.ts'
import type { Db } from './db.ts'

export interface CrashWorkloadShape {
  /** Op i draws from SeededPrng(i * seedFactor + seedOffset). */
  readonly seedFactor: number
  readonly seedOffset: number
  readonly keys: number
  readonly deleteChance: number
  /** Chance and size of a large value (above the value-log threshold); else smallBytes. */
  readonly bigChance: number
  readonly bigBytes: number
  readonly smallBytes: number
}

export interface CrashOp {
  readonly key: string
  /** undefined: a delete. Else the value's first 4 bytes hold i (little-endian). */
  readonly value: Uint8Array | undefined
}

export class CrashWorkload {
  readonly #shape: CrashWorkloadShape

  constructor(shape: CrashWorkloadShape) {
    this.#shape = shape
  }

  opAt(i: number): CrashOp {
    const s = this.#shape
    const prng = new SeededPrng(i * s.seedFactor + s.seedOffset)
    const key = `k${prng.intInclusive(0, s.keys - 1)}`
    if (prng.chance(s.deleteChance)) return { key, value: undefined }
    const value = new Uint8Array(prng.chance(s.bigChance) ? s.bigBytes : s.smallBytes).fill(
      i & 0xff,
    )
    new DataView(value.buffer).setUint32(0, i, true)
    return { key, value }
  }

  /** key -> the op index whose value it holds after ops 1..k. */
  stateAfter(k: number): Map<string, number> {
    const state = new Map<string, number>()
    for (let i = 1; i <= k; i++) {
      const op = this.opAt(i)
      if (op.value === undefined) state.delete(op.key)
      else state.set(op.key, i)
    }
    return state
  }

  /** Whether `found` equals stateAfter(k) for some k in [low, high]. */
  matchesSomePrefix(found: Map<string, number>, low: number, high: number): boolean {
    for (let k = low; k <= high; k++) {
      const want = this.stateAfter(k)
      if (want.size === found.size && [...want].every(([key, i]) => found.get(key) === i)) {
        return true
      }
    }
    return false
  }
}

/** What a db holds, as key -> the op index stamped in its value. */
export function heldState(db: Db): Map<string, number> {
  const found = new Map<string, number>()
  for (const item of db.iterate()) {
    const view = new DataView(item.value.buffer, item.value.byteOffset)
    found.set(new TextDecoder().decode(item.key), view.getUint32(0, true))
  }
  return found
}
