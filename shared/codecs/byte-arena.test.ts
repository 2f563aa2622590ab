// ByteArena hands back exactly the bytes appended, wherever chunk boundaries fall, and lets go
// of old chunks without disturbing the ones still read. Method: seeded appends of random sizes
// (some larger than a chunk), every location read back after each step; chunks dropped as the
// oldest locations retire.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../random/prng.ts'
import { ByteArena } from './byte-arena.ts'

describe('ByteArena', () => {
  it('byte arena: random appends, pairs and oversized ones: every one reads back', () => {
    const prng = new SeededPrng(9)
    const arena = new ByteArena(256)
    const kept: Array<{ chunk: number; start: number; bytes: Uint8Array }> = []
    for (let i = 0; i < 2_000; i++) {
      const size =
        prng.intInclusive(0, 9) === 0 ? prng.intInclusive(200, 700) : prng.intInclusive(0, 40)
      const bytes = new Uint8Array(size).map(() => prng.nextU32() & 255)
      const split = prng.intInclusive(0, size)
      if (prng.intInclusive(0, 1) === 0) arena.append(bytes)
      else arena.append(bytes.subarray(0, split), bytes.subarray(split))
      kept.push({ chunk: arena.lastChunk, start: arena.lastStart, bytes })
      if (kept.length > 100) {
        kept.shift()
        arena.dropBefore(kept[0]!.chunk)
      }
      for (const k of kept) expect(arena.view(k.chunk, k.start, k.bytes.length)).toEqual(k.bytes)
    }
    expect(arena.chunkCount).toBeLessThan(60)
  })

  it('byte arena: dropping everything before a later chunk keeps the one being filled', () => {
    const arena = new ByteArena(8)
    arena.append(new Uint8Array([1, 2, 3]))
    arena.dropBefore(1_000)
    expect(arena.chunkCount).toBe(1)
    arena.append(new Uint8Array([4]))
    expect(arena.lastChunk).toBe(0)
    expect(arena.view(0, 0, 4)).toEqual(new Uint8Array([1, 2, 3, 4]))
  })

  it('byte arena: an empty first append (a Raft no-op entry) has a place too', () => {
    const arena = new ByteArena(8)
    arena.append(new Uint8Array(0))
    expect(arena.view(arena.lastChunk, arena.lastStart, 0)).toEqual(new Uint8Array(0))
    arena.append(new Uint8Array([7]), new Uint8Array(0))
    expect(arena.view(arena.lastChunk, arena.lastStart, 1)).toEqual(new Uint8Array([7]))
  })
})
