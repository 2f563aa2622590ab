/**
 * LSM benchmark, db_bench style: the same workloads against Shoal's engine, LevelDB
 * (classic-level, default options) and LMDB (lmdb-js), one JSON line per measurement:
 * {"bench":"lsm","workload":...,"engine":...,"opsPerSec":...,"mbPerSec":...,"p50Us":...,
 *  "p99Us":...,"writeAmp":...}. Latencies are per operation (per batch for batched fills).
 * `--quick` scales every count down ~20x (see `counts`: 50k instead of 1M fills and reads,
 * 1k instead of 100k 16 KiB values) so the whole run takes about a minute on an idle machine.
 * Run: `npm run bench -- lsm [--quick]` or `npx tsx loadtest/bench/lsm.ts [--quick]`.
 * `--only-16k [--big-count=N]` runs just fillrandom with 16 KiB values (N of them; the quick
 * 1k values, 16 MB, end before LevelDB's compaction stalls or Shoal's value-log rotation).
 * `--only-read [--rounds=N]` runs just the fill and readrandom (awaited, then 64 in flight), N
 * rounds over the engines in turn (default 1), so read ratios come from the same minutes.
 * `--only-fill [--rounds=N]` runs just fillrandom 100 B without sync, Shoal and LevelDB in turn.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { open as openLmdb } from 'lmdb'
import { SeededPrng } from '../../shared/random/prng.ts'
import { Db } from '../../storage/lsm/db.ts'
import { WriteBatch } from '../../storage/lsm/write-batch.ts'
import { NodeFileSystem } from '../../storage/vfs/node-fs.ts'

type EngineName = 'shoal' | 'leveldb' | 'lmdb'

interface Handle {
  batch(entries: ReadonlyArray<[Uint8Array, Uint8Array]>, sync: boolean): Promise<void>
  put(key: Uint8Array, value: Uint8Array, sync: boolean): Promise<void>
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  /** Seeks to `key` and reads `count` entries; returns how many it read. */
  seek(key: Uint8Array, count: number): Promise<number>
  writeAmp(): number | null
  /** Waits for background work a fill left behind (flushes, compactions). */
  settle(): Promise<void>
  close(): Promise<void>
}

interface Counts {
  fill: number
  fillSync: number
  durable64: number
  reads: number
  /** Unmeasured gets before readrandom, the same for every engine (see measureReads). */
  warmupReads: number
  seeks: number
  scan: number
  big: number
  readWhileWriting: number
}

const counts = (quick: boolean): Counts =>
  quick
    ? {
        fill: 50_000,
        fillSync: 5_000,
        durable64: 2_000,
        reads: 50_000,
        warmupReads: 100_000,
        seeks: 5_000,
        scan: 50_000,
        big: 1_000,
        readWhileWriting: 10_000,
      }
    : {
        fill: 1_000_000,
        fillSync: 100_000,
        durable64: 50_000,
        reads: 1_000_000,
        warmupReads: 200_000,
        seeks: 100_000,
        scan: 100_000,
        big: 100_000,
        readWhileWriting: 200_000,
      }

const KEY_BYTES = 16
const VALUE_BYTES = 100
const BIG_VALUE_BYTES = 16 * 1024

function keyFor(i: number): Uint8Array {
  const text = String(i).padStart(KEY_BYTES, '0')
  return new TextEncoder().encode(text)
}

function valueFor(prng: SeededPrng, size: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i += 4) {
    const word = prng.nextU32()
    out[i] = word & 0xff
    out[i + 1] = (word >>> 8) & 0xff
    out[i + 2] = (word >>> 16) & 0xff
    out[i + 3] = word >>> 24
  }
  return out
}

async function openShoal(dir: string): Promise<Handle> {
  // LevelDB's default sizes (4 MiB write buffer, 2 MiB tables, 10 MiB L1) so both engines
  // flush and compact the same amount of data.
  const db = await Db.open({
    fs: new NodeFileSystem(),
    dir,
    memtableBytes: 4 * 1024 * 1024,
    targetFileBytes: 2 * 1024 * 1024,
    levelBaseBytes: 10 * 1024 * 1024,
  })
  return {
    async batch(entries, sync) {
      const batch = new WriteBatch()
      for (const [k, v] of entries) batch.put(k, v)
      await db.write(batch, { sync })
    },
    put: (key, value, sync) => db.put(key, value, { sync }),
    get: async (key) => db.getSync(key),
    async seek(key, count) {
      let n = 0
      for (const item of db.iterate({ gte: key, limit: count })) n += item.key.length > 0 ? 1 : 1
      return n
    },
    writeAmp: () => db.stats().writeAmplification,
    settle: () => db.waitIdle(),
    close: () => db.close(),
  }
}

async function openLevel(dir: string): Promise<Handle> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
    keyEncoding: 'view',
    valueEncoding: 'view',
  })
  await db.open()
  return {
    batch: (entries, sync) =>
      db.batch(
        entries.map(([key, value]) => ({ type: 'put' as const, key, value })),
        { sync },
      ),
    put: (key, value, sync) => db.put(key, value, { sync }),
    get: (key) => db.get(key),
    async seek(key, count) {
      const it = db.iterator({ gte: key, limit: count })
      let n = 0
      for (;;) {
        const entries = await it.nextv(Math.min(1000, count - n))
        n += entries.length
        if (entries.length === 0 || n >= count) break
      }
      await it.close()
      return n
    },
    writeAmp: () => null,
    settle: async () => undefined,
    close: () => db.close(),
  }
}

async function openLmdbHandle(dir: string, noSync: boolean): Promise<Handle> {
  const db = openLmdb<Uint8Array, Uint8Array>({
    path: dir,
    encoding: 'binary',
    keyEncoding: 'binary',
    compression: false,
    noSync,
  })
  return {
    async batch(entries) {
      await db.batch(() => {
        for (const [k, v] of entries) void db.put(k, v)
      })
    },
    async put(key, value) {
      await db.put(key, value)
    },
    get: async (key) => db.get(key),
    async seek(key, count) {
      let n = 0
      for (const entry of db.getRange({ start: key, limit: count })) n += entry.key ? 1 : 1
      return n
    },
    writeAmp: () => null,
    settle: async () => undefined,
    close: () => db.close(),
  }
}

function openEngine(engine: EngineName, dir: string, sync: boolean): Promise<Handle> {
  if (engine === 'shoal') return openShoal(dir)
  if (engine === 'leveldb') return openLevel(dir)
  return openLmdbHandle(dir, !sync)
}

class Recorder {
  readonly #samples: number[] = []
  #start = performance.now()
  bytes = 0
  ops = 0

  restart(): void {
    this.#start = performance.now()
  }

  sample(startedMs: number): void {
    this.#samples.push((performance.now() - startedMs) * 1000)
  }

  report(workload: string, engine: EngineName, writeAmp: number | null): void {
    const seconds = (performance.now() - this.#start) / 1000
    const sorted = this.#samples.sort((a, b) => a - b)
    const at = (q: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
    const line = {
      bench: 'lsm',
      workload,
      engine,
      opsPerSec: Math.round(this.ops / seconds),
      mbPerSec: Number((this.bytes / seconds / 1e6).toFixed(2)),
      p50Us: Number(at(0.5).toFixed(1)),
      p99Us: Number(at(0.99).toFixed(1)),
      writeAmp: writeAmp === null ? null : Number(writeAmp.toFixed(2)),
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
}

async function fill(
  h: Handle,
  n: number,
  order: 'seq' | 'random',
  sync: boolean,
  valueBytes: number,
  batchSize: number,
): Promise<Recorder> {
  const prng = new SeededPrng(1)
  // Large values come from a pool of random buffers made up front (as db_bench slices one
  // random buffer): generating 16 KiB per op cost more than the engines' puts.
  const pool =
    valueBytes >= 1024 ? Array.from({ length: 64 }, () => valueFor(prng, valueBytes)) : []
  const rec = new Recorder()
  for (let i = 0; i < n; i += batchSize) {
    const entries: Array<[Uint8Array, Uint8Array]> = []
    for (let j = i; j < Math.min(n, i + batchSize); j++) {
      const k = order === 'seq' ? j : prng.intInclusive(0, n - 1)
      entries.push([keyFor(k), pool[j % 64] ?? valueFor(prng, valueBytes)])
    }
    const started = performance.now()
    await h.batch(entries, sync)
    rec.sample(started)
    rec.ops += entries.length
    rec.bytes += entries.length * (KEY_BYTES + valueBytes)
  }
  return rec
}

async function withEngine<T>(
  engine: EngineName,
  sync: boolean,
  run: (h: Handle) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${engine}-`))
  const h = await openEngine(engine, dir, sync)
  try {
    return await run(h)
  } finally {
    await h.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function durable64(h: Handle, n: number): Promise<Recorder> {
  const prng = new SeededPrng(3)
  const rec = new Recorder()
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < n) {
      next++
      const started = performance.now()
      await h.put(keyFor(prng.intInclusive(0, n - 1)), valueFor(prng, VALUE_BYTES), true)
      rec.sample(started)
      rec.ops++
      rec.bytes += KEY_BYTES + VALUE_BYTES
    }
  }
  await Promise.all(Array.from({ length: 64 }, lane))
  return rec
}

async function readRandom(
  h: Handle,
  keys: number,
  n: number,
  inFlight: number,
  seed = 4,
): Promise<Recorder> {
  const prng = new SeededPrng(seed)
  const rec = new Recorder()
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < n) {
      next++
      const started = performance.now()
      const value = await h.get(keyFor(prng.intInclusive(0, keys - 1)))
      rec.sample(started)
      rec.ops++
      rec.bytes += KEY_BYTES + (value?.length ?? 0)
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  return rec
}

async function seekRandom(h: Handle, keys: number, n: number): Promise<Recorder> {
  const prng = new SeededPrng(5)
  const rec = new Recorder()
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    await h.seek(keyFor(prng.intInclusive(0, keys - 1)), 11)
    rec.sample(started)
    rec.ops++
  }
  return rec
}

async function scan(h: Handle, n: number): Promise<Recorder> {
  const rec = new Recorder()
  const started = performance.now()
  rec.ops = await h.seek(keyFor(0), n)
  rec.bytes = rec.ops * (KEY_BYTES + VALUE_BYTES)
  rec.sample(started)
  return rec
}

/** Gets one at a time while a writer overwrites keys in batches as fast as it can. */
async function readWhileWriting(h: Handle, keys: number, n: number): Promise<Recorder> {
  let done = false
  const writer = (async (): Promise<void> => {
    const prng = new SeededPrng(6)
    while (!done) {
      const entries: Array<[Uint8Array, Uint8Array]> = []
      for (let j = 0; j < 100; j++) {
        entries.push([keyFor(prng.intInclusive(0, keys - 1)), valueFor(prng, VALUE_BYTES)])
      }
      await h.batch(entries, false)
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  })()
  const rec = await readRandom(h, keys, n, 1)
  done = true
  await writer
  return rec
}

/** One fill of 100-byte values in batches of 100 on a fresh engine, reported as fill<order>-. */
async function runFill(
  engine: EngineName,
  n: number,
  order: 'seq' | 'random',
  sync: boolean,
): Promise<void> {
  await withEngine(engine, sync, async (h) => {
    const rec = await fill(h, n, order, sync, VALUE_BYTES, 100)
    rec.report(`fill${order}-${sync ? 'sync' : 'nosync'}`, engine, h.writeAmp())
  })
}

async function runEngine(engine: EngineName, c: Counts): Promise<void> {
  for (const sync of [false, true]) {
    const n = sync ? c.fillSync : c.fill
    for (const order of ['seq', 'random'] as const) await runFill(engine, n, order, sync)
  }
  await withEngine(engine, true, async (h) => {
    ;(await durable64(h, c.durable64)).report('durable-put-64', engine, h.writeAmp())
  })
  await withEngine(engine, false, async (h) => {
    await measureReads(h, c, engine)
    ;(await seekRandom(h, c.fill, c.seeks)).report('seekrandom-10', engine, null)
    ;(await scan(h, c.scan)).report('scan', engine, null)
    ;(await readWhileWriting(h, c.fill, c.readWhileWriting)).report(
      'readwhilewriting',
      engine,
      h.writeAmp(),
    )
  })
  await withEngine(engine, false, async (h) => {
    const rec = await fill(h, c.big, 'random', false, BIG_VALUE_BYTES, 1)
    rec.report('fillrandom-16k', engine, h.writeAmp())
  })
}

async function runReads(engine: EngineName, c: Counts): Promise<void> {
  await withEngine(engine, false, async (h) => {
    await measureReads(h, c, engine)
  })
}

/**
 * Fills, then reports readrandom awaited one at a time and with 64 in flight, after
 * `warmupReads` unmeasured gets: a JavaScript engine's read path is compiled by V8 over its
 * first hundred thousand calls or so, which the native engines do not need; without the
 * warm-up the quick run's 50k reads measured mostly the compiler (Shoal 0.70× LMDB in a first
 * round, 1.19× in a third of the same run).
 */
async function measureReads(h: Handle, c: Counts, engine: EngineName): Promise<void> {
  await fill(h, c.fill, 'seq', false, VALUE_BYTES, 1000)
  await h.settle()
  await readRandom(h, c.fill, c.warmupReads, 1, 3)
  ;(await readRandom(h, c.fill, c.reads, 1)).report('readrandom', engine, null)
  ;(await readRandom(h, c.fill, c.reads, 64)).report('readrandom-64', engine, null)
}

async function runBigFill(engine: EngineName, count: number): Promise<void> {
  await withEngine(engine, false, async (h) => {
    const rec = await fill(h, count, 'random', false, BIG_VALUE_BYTES, 1)
    rec.report('fillrandom-16k', engine, h.writeAmp())
  })
}

/** `--name=N` from the command line (a positive integer), else `fallback`. */
function countArg(name: string, fallback: number): number {
  const arg = process.argv.find((each) => each.startsWith(`${name}=`))
  const count = arg === undefined ? fallback : Number(arg.slice(name.length + 1))
  if (!Number.isSafeInteger(count) || count <= 0) throw new Error(`bad ${name}: ${arg}`)
  return count
}

export async function runLsmBench(options: { quick: boolean }): Promise<void> {
  const c = counts(options.quick)
  const big = countArg('--big-count', c.big)
  const rounds = countArg('--rounds', 1)
  if (process.argv.includes('--only-read')) {
    for (let round = 0; round < rounds; round++) {
      for (const engine of ['shoal', 'lmdb'] as const) await runReads(engine, c)
    }
    return
  }
  if (process.argv.includes('--only-fill')) {
    for (let round = 0; round < rounds; round++) {
      for (const engine of ['shoal', 'leveldb'] as const) {
        await runFill(engine, c.fill, 'random', false)
      }
    }
    return
  }
  for (const engine of ['shoal', 'leveldb', 'lmdb'] as const) {
    if (process.argv.includes('--only-16k')) await runBigFill(engine, big)
    else await runEngine(engine, { ...c, big })
  }
}

if (process.argv[1]?.endsWith('bench/lsm.ts') === true) {
  await runLsmBench({ quick: process.argv.includes('--quick') })
}
