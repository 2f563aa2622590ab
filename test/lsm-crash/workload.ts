/**
 * The crash test's workload, shared by the child that writes it and the parent that checks it:
 * op i is a pure function of (seed, i), so the parent can rebuild apply(ops[1..k]) for any k.
 * Tiny memtable, table and level sizes make flushes, compactions and value-log GC happen many
 * times per second.
 */
import { SeededPrng } from '../../shared/random/prng.ts'
import type { FileSystem } from '../../storage/vfs/vfs.ts'
import type { DbOptions } from '../../storage/lsm/options.ts'

export const KEY_COUNT = 400
/** Ops in flight in the child; bounds how far past the last ack a recovered prefix may reach. */
export const WINDOW = 32

export interface Op {
  readonly index: number
  readonly key: string
  /** Undefined for a delete. */
  readonly value: Uint8Array | undefined
}

export function opAt(seed: number, index: number): Op {
  const prng = new SeededPrng(seed * 1_000_003 + index)
  const key = `key-${String(prng.intInclusive(0, KEY_COUNT - 1)).padStart(4, '0')}`
  const roll = prng.nextFloat()
  if (roll < 0.1) return { index, key, value: undefined }
  const size = roll < 0.3 ? 1500 + prng.intInclusive(0, 500) : 20 + prng.intInclusive(0, 80)
  const value = new Uint8Array(size)
  const head = new TextEncoder().encode(`${index}|`)
  value.set(head.subarray(0, Math.min(head.length, size)))
  for (let i = head.length; i < size; i++) value[i] = (index + i) & 0xff
  return { index, key, value }
}

export function crashDbOptions(fs: FileSystem, dir: string): DbOptions {
  return {
    fs,
    dir,
    memtableBytes: 4 * 1024,
    blockBytes: 1024,
    targetFileBytes: 16 * 1024,
    levelBaseBytes: 48 * 1024,
    l0CompactionTrigger: 2,
    l0SlowdownTrigger: 6,
    l0StopTrigger: 10,
    valueLogThresholdBytes: 1024,
    // Large values leave the memtable at write time: rotate on value-log size too, so flushes
    // (and value-log registration) keep happening several times a second.
    valueLogFileBytes: 8 * 1024,
    valueLogGcRatio: 0.3,
    blockCacheBytes: 1024 * 1024,
  }
}
