// FaultFileSystem: proves each injection mode fires exactly where configured (nth call,
// probability, path filter, torn append, latency through injected timers) and nowhere else.
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import type { TimerHandle, Timers } from '../../shared/time/clock.ts'
import { FaultFileSystem } from './fault-fs.ts'
import { MemFileSystem } from './mem-fs.ts'

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

async function setup() {
  const inner = new MemFileSystem()
  await inner.mkdirp('/d')
  return inner
}

describe('fault-fs', () => {
  it('fault-fs: nth sync rule: fails exactly the 3rd sync with io', async () => {
    const fs = new FaultFileSystem(await setup(), {
      prng: new SeededPrng(1),
      rules: [{ op: 'sync', nth: 3 }],
    })
    const file = await fs.create('/d/a')
    const results: unknown[] = []
    for (let i = 0; i < 5; i++) results.push(await caught(file.sync()))
    expect(results.map((r) => (isShoalError(r) ? r.code : 'ok'))).toEqual([
      'ok',
      'ok',
      'io',
      'ok',
      'ok',
    ])
    expect(fs.stats.injected).toBe(1)
  })

  it('fault-fs: disk-full append with torn prefix: writes part, throws disk-full', async () => {
    const inner = await setup()
    const fs = new FaultFileSystem(inner, {
      prng: new SeededPrng(7),
      rules: [{ op: 'append', nth: 2, code: 'disk-full', tornAppend: true }],
    })
    const file = await fs.create('/d/a')
    file.append(new Uint8Array(10))
    expect(() => file.append(new Uint8Array(100))).toThrow(/disk full/)
    const size = await inner.sizeOf('/d/a')
    expect(size).toBeGreaterThanOrEqual(10)
    expect(size).toBeLessThan(110)
  })

  it('fault-fs: probability rule with path filter: only matching paths fail', async () => {
    const fs = new FaultFileSystem(await setup(), {
      prng: new SeededPrng(3),
      rules: [{ op: 'create', probability: 0.5, pathIncludes: '.sst' }],
    })
    let sstFailures = 0
    for (let i = 0; i < 100; i++) {
      if ((await caught(fs.create(`/d/${i}.sst`))) !== undefined) sstFailures++
      expect(await caught(fs.create(`/d/${i}.log`))).toBeUndefined()
    }
    expect(sstFailures).toBeGreaterThan(25)
    expect(sstFailures).toBeLessThan(75)
  })

  it('fault-fs: latency: async ops wait for the injected timer', async () => {
    const pending: Array<() => void> = []
    const timers: Timers = {
      after: (_ms: number, callback: () => void): TimerHandle => {
        pending.push(callback)
        return { cancel: () => {} }
      },
      every: () => ({ cancel: () => {} }),
    }
    const fs = new FaultFileSystem(await setup(), {
      prng: new SeededPrng(1),
      latency: { timers, minMs: 1, maxMs: 5 },
    })
    let done = false
    const create = fs.create('/d/a').then(() => {
      done = true
    })
    await Promise.resolve()
    expect(done).toBe(false)
    expect(pending.length).toBe(1)
    pending.shift()?.()
    await create
    expect(done).toBe(true)
  })

  it('fault-fs: readAt rule: the reader throws io', async () => {
    const inner = await setup()
    ;(await inner.create('/d/a')).append(new Uint8Array(4))
    const fs = new FaultFileSystem(inner, { prng: new SeededPrng(1), rules: [] })
    const reader = await fs.openRead('/d/a')
    expect(reader.readAt(0, 4).length).toBe(4)
    fs.addRule({ op: 'readAt', nth: 1 })
    expect(() => reader.readAt(0, 4)).toThrow(/injected EIO/)
  })
})
