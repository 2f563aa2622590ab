// Model-based test of the whole engine: random sequences of put / delete / get / versions /
// scan / snapshot / flush / compact / reopen run against the real db (NodeFileSystem, tiny sizes
// so flushes, compactions and value-log GC happen constantly in the background) and against an
// in-memory model that keeps every version and applies the read rules directly. fast-check
// shrinks a failure to a minimal op sequence.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NodeFileSystem } from '../vfs/node-fs.ts'
import { Db, type Snapshot } from './db.ts'
import type { DbOptions } from './options.ts'

const KEYS = 24
const MAX_VERSIONS = 2

type Op =
  | { t: 'put'; k: number; size: number; ts: number }
  | { t: 'del'; k: number; ts: number }
  | { t: 'get'; k: number }
  | { t: 'versions'; k: number }
  | { t: 'scan'; lo: number; hi: number; reverse: boolean }
  | { t: 'snap' }
  | { t: 'readAt'; s: number; k: number }
  | { t: 'release'; s: number }
  | { t: 'flush' }
  | { t: 'compact' }
  | { t: 'reopen' }

interface ModelEntry {
  seq: number
  ts: number
  version: number
  value: string | undefined
}

const keyOf = (k: number): Uint8Array => new TextEncoder().encode(`k${String(k).padStart(3, '0')}`)
const dec = new TextDecoder()

function valueFor(seq: number, size: number): Uint8Array {
  const out = new Uint8Array(size)
  const head = new TextEncoder().encode(`v${seq}|`)
  out.set(head.subarray(0, Math.min(size, head.length)))
  for (let i = head.length; i < size; i++) out[i] = (seq * 7 + i) & 0xff
  return out
}

class Model {
  readonly keys = new Map<number, ModelEntry[]>()
  seq = 0

  write(k: number, ts: number, value: string | undefined): void {
    this.seq++
    const list = this.keys.get(k) ?? []
    list.push({ seq: this.seq, ts, version: ts === 0 ? 0 : this.seq, value })
    list.sort((a, b) => b.ts - a.ts || b.version - a.version || b.seq - a.seq)
    this.keys.set(k, list)
  }

  /** Values a read at `snapshot` returns, newest first. */
  readable(k: number, snapshot: number): string[] {
    const out: string[] = []
    for (const entry of this.keys.get(k) ?? []) {
      if (entry.seq > snapshot) continue
      if (entry.value === undefined || out.length >= MAX_VERSIONS) break
      out.push(entry.value)
    }
    return out
  }
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      t: fc.constant('put' as const),
      k: fc.nat(KEYS - 1),
      size: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 0, max: 40 }) },
        fc.integer({ min: 600, max: 900 }),
      ),
      ts: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 4 })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('del' as const),
      k: fc.nat(KEYS - 1),
      ts: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 4 })),
    }),
  },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('get' as const), k: fc.nat(KEYS - 1) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('versions' as const), k: fc.nat(KEYS - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('scan' as const),
      lo: fc.nat(KEYS),
      hi: fc.nat(KEYS),
      reverse: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'snap' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('readAt' as const), s: fc.nat(7), k: fc.nat(KEYS - 1) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('release' as const), s: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'reopen' as const }) },
)

function dbOptions(dir: string, style: 'leveled' | 'tiered'): DbOptions {
  return {
    fs: new NodeFileSystem(),
    dir,
    memtableBytes: 4 * 1024,
    blockBytes: 512,
    targetFileBytes: 8 * 1024,
    levelBaseBytes: 16 * 1024,
    l0CompactionTrigger: 2,
    valueLogThresholdBytes: 512,
    valueLogGcRatio: 0.3,
    compactionStyle: style,
    retention: () => ({ maxVersions: MAX_VERSIONS }),
  }
}

interface RunState {
  db: Db
  snaps: Array<{ snap: Snapshot; seq: number } | undefined>
  readonly model: Model
  readonly dir: string
  readonly style: 'leveled' | 'tiered'
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const tagOf = (value: Uint8Array): string => dec.decode(value.subarray(0, 8)).split('|')[0]!

function latest(st: RunState, k: number, snap?: Snapshot): string | null {
  const options = snap === undefined ? {} : { snapshot: snap }
  const item = st.db.getLatest(keyOf(k), options)
  // getSync copies the value out of the block or memtable without an Item: the same bytes.
  const value = st.db.getSync(keyOf(k), options)
  expect(value === undefined ? undefined : hex(value)).toBe(item && hex(item.value))
  return item === undefined ? null : tagOf(item.value)
}

function checkScan(st: RunState, op: Extract<Op, { t: 'scan' }>, where: string): void {
  const [lo, hi] = [Math.min(op.lo, op.hi), Math.max(op.lo, op.hi)]
  const got = st.db
    .scan({ gte: keyOf(lo), lt: keyOf(hi), reverse: op.reverse })
    .map((i) => dec.decode(i.key))
  const want: string[] = []
  for (let k = lo; k < hi; k++) {
    if (st.model.readable(k, st.model.seq).length > 0) want.push(dec.decode(keyOf(k)))
  }
  if (op.reverse) want.reverse()
  expect(got, where).toEqual(want)
}

async function applyWrite(st: RunState, op: Extract<Op, { t: 'put' | 'del' }>): Promise<void> {
  const seq = st.model.seq + 1
  const stamp = op.ts === 0 ? {} : { timestamp: op.ts, version: seq }
  if (op.t === 'del') {
    await st.db.delete(keyOf(op.k), stamp)
    st.model.write(op.k, op.ts, undefined)
    return
  }
  const value = valueFor(seq, op.size)
  await st.db.put(keyOf(op.k), value, stamp)
  st.model.write(op.k, op.ts, op.size === 0 ? '' : tagOf(value))
}

async function applyOp(st: RunState, op: Op, where: string): Promise<void> {
  const { model } = st
  switch (op.t) {
    case 'put':
    case 'del':
      return applyWrite(st, op)
    case 'get':
      expect(latest(st, op.k), where).toEqual(model.readable(op.k, model.seq)[0] ?? null)
      return
    case 'versions': {
      const got = st.db.versions(keyOf(op.k)).map((i) => tagOf(i.value))
      expect(got, where).toEqual(model.readable(op.k, model.seq))
      return
    }
    case 'scan':
      return checkScan(st, op, where)
    case 'snap':
      st.snaps.push({ snap: st.db.snapshot(), seq: model.seq })
      return
    case 'readAt': {
      const s = st.snaps[op.s]
      if (s === undefined) return
      expect(latest(st, op.k, s.snap), where).toEqual(model.readable(op.k, s.seq)[0] ?? null)
      return
    }
    case 'release':
      st.snaps[op.s]?.snap.release()
      st.snaps[op.s] = undefined
      return
    case 'flush':
      return st.db.flush()
    case 'compact':
      return st.db.compactAll()
    case 'reopen':
      for (const s of st.snaps) s?.snap.release()
      st.snaps = []
      await st.db.close()
      st.db = await Db.open(dbOptions(st.dir, st.style))
      expect(st.db.lastSeq, where).toBe(model.seq)
      return
  }
}

async function runOps(ops: readonly Op[], style: 'leveled' | 'tiered'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lsm-model-'))
  const db = await Db.open(dbOptions(dir, style))
  const st: RunState = { db, snaps: [], model: new Model(), dir, style }
  try {
    for (const [step, op] of ops.entries()) {
      await applyOp(st, op, `step ${step} ${JSON.stringify(op)}`)
    }
    await st.db.waitIdle()
    for (let k = 0; k < KEYS; k++) {
      expect(latest(st, k), `final key ${k}`).toEqual(st.model.readable(k, st.model.seq)[0] ?? null)
    }
    st.db.checkConsistency()
  } finally {
    await st.db.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('lsm model', () => {
  for (const style of ['leveled', 'tiered'] as const) {
    it(`lsm model: random op sequences (${style}): match the in-memory model`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1000, maxLength: 2000 }), (ops) =>
          runOps(ops, style),
        ),
        { numRuns: 3, seed: style === 'leveled' ? 11 : 12 },
      )
    }, 120_000)
  }
})
