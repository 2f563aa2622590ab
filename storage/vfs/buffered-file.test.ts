// BufferedWritableFile: the same bytes in the same order as unbuffered appends, and sync()
// keeps the durability promise: after it resolves, a power loss (MemFileSystem's 'system'
// crash) keeps every byte appended before it, buffered or not. Method: seeded appends of mixed
// sizes (some larger than the buffer), crash clones over many seeds.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { BufferedWritableFile } from './buffered-file.ts'
import { MemFileSystem } from './mem-fs.ts'

describe('BufferedWritableFile', () => {
  it('buffered file: appends, sync, power loss: every byte before the sync survives', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const prng = new SeededPrng(seed)
      const fs = new MemFileSystem()
      await fs.mkdirp('/d')
      const file = new BufferedWritableFile(await fs.create('/d/t'), 64)
      await fs.fsyncDir('/d')
      const written: number[] = []
      for (let i = 0; i < 40; i++) {
        const size =
          prng.intInclusive(0, 9) === 0 ? prng.intInclusive(64, 200) : prng.intInclusive(0, 30)
        const bytes = new Uint8Array(size).map(() => prng.nextU32() & 255)
        file.append(bytes)
        written.push(...bytes)
        expect(file.sizeBytes).toBe(written.length)
      }
      await file.sync()
      file.append(new Uint8Array([1, 2, 3])) // after the sync: may be lost
      const crashed = fs.crashClone(new SeededPrng(seed), 'system')
      const kept = await crashed.readFile('/d/t')
      expect([...kept.subarray(0, written.length)]).toEqual(written)
      file.close()
      expect([...(await fs.readFile('/d/t'))]).toEqual([...written, 1, 2, 3])
    }
  })
})
