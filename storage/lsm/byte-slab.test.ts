// ByteSlab: copies carved from shared slabs must behave as independent arrays. Method: copy
// known bytes, mutate the source and neighbouring copies, and check contents, bounds, slab
// rollover and the own-buffer path for large copies.
import { describe, expect, it } from 'vitest'
import { ByteSlab } from './byte-slab.ts'

describe('ByteSlab', () => {
  it('copy: source mutated afterwards: the copy keeps the old bytes', () => {
    const slab = new ByteSlab(64, 16)
    const source = new Uint8Array([1, 2, 3, 4, 5])
    const copy = slab.copy(source, 1, 4)
    source.fill(9)
    expect([...copy]).toEqual([2, 3, 4])
  })

  it('copy: neighbouring copies written: each keeps its own bytes and bounds', () => {
    const slab = new ByteSlab(64, 16)
    const a = slab.copy(new Uint8Array([1, 1, 1]))
    const b = slab.copy(new Uint8Array([2, 2, 2, 2, 2]))
    a.fill(7)
    expect([...b]).toEqual([2, 2, 2, 2, 2])
    expect(a.buffer).toBe(b.buffer)
    expect(b.byteOffset % 8).toBe(0)
    expect(a.length).toBe(3)
  })

  it('alloc: slab exhausted: continues in a fresh zeroed slab', () => {
    const slab = new ByteSlab(32, 16)
    const first = slab.alloc(16)
    first.fill(5)
    slab.alloc(16)
    const third = slab.alloc(16)
    expect(third.buffer).not.toBe(first.buffer)
    expect([...third]).toEqual(new Array<number>(16).fill(0))
  })

  it('alloc: over the copy limit: gets a buffer of its own', () => {
    const slab = new ByteSlab(64, 16)
    const big = slab.alloc(17)
    expect(big.byteOffset).toBe(0)
    expect(big.buffer.byteLength).toBe(17)
  })
})
