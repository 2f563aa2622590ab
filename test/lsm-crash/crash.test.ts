// Crash test: a child process writes with sync: true and reports each acknowledged write; the
// parent SIGKILLs it at random moments (tiny sizes keep flush, compaction and value-log GC
// busy), reopens the db and checks that every acknowledged write survived and that the state
// equals apply(ops[1..k]) for some k between the last ack and the last op that could have been
// issued. Kills are cumulative on one directory, as in RocksDB's blackbox crash test.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { NodeFileSystem } from '../../storage/vfs/node-fs.ts'
import { Db } from '../../storage/lsm/db.ts'
import { crashDbOptions, opAt, WINDOW } from './workload.ts'

const KILLS = 50
const childPath = join(import.meta.dirname, 'child.ts')

interface RunResult {
  readonly lastAck: number
  readonly acks: number
  /** Background jobs the child finished before the kill: flushes, compactions, GC runs. */
  readonly jobs: [number, number, number]
}

function runChild(dir: string, start: number, seed: number, killAfterMs: number) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', childPath, dir, String(start), String(seed)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let lastAck = start - 1
    let acks = 0
    let jobs: [number, number, number] = [0, 0, 0]
    let buffered = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        else if (line.startsWith('bg ')) {
          const [f, c, g] = line.slice(3).split(' ').map(Number)
          jobs = [f ?? 0, c ?? 0, g ?? 0]
        } else if (line.startsWith('ack ')) {
          lastAck = Math.max(lastAck, Number(line.slice(4)))
          acks++
        }
      }
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ lastAck, acks, jobs })
      else reject(new Error(`child exited ${code}: ${stderr}`))
    })
  })
}

function applyOps(model: Map<string, Uint8Array>, seed: number, from: number, to: number): void {
  for (let i = from; i <= to; i++) {
    const op = opAt(seed, i)
    if (op.value === undefined) model.delete(op.key)
    else model.set(op.key, op.value)
  }
}

function sameState(model: Map<string, Uint8Array>, found: Map<string, Uint8Array>): boolean {
  if (model.size !== found.size) return false
  for (const [key, value] of model) {
    const other = found.get(key)
    if (other === undefined || Buffer.compare(other, value) !== 0) return false
  }
  return true
}

async function recoveredState(dir: string): Promise<Map<string, Uint8Array>> {
  const db = await Db.open({ ...crashDbOptions(new NodeFileSystem(), dir), autoCompaction: false })
  try {
    db.checkConsistency()
    const decoder = new TextDecoder()
    return new Map(db.scan().map((item) => [decoder.decode(item.key), item.value.slice()]))
  } finally {
    await db.close()
  }
}

/** One cumulative kill series on its own directory; returns acks and background job counts. */
async function killSeries(seed: number, kills: number): Promise<{ acks: number; jobs: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'lsm-crash-'))
  const prng = new SeededPrng(seed)
  const model = new Map<string, Uint8Array>()
  let applied = 0
  let acks = 0
  const jobs = [0, 0, 0]
  try {
    for (let kill = 0; kill < kills; kill++) {
      const killAfterMs = prng.intInclusive(20, 300)
      const run = await runChild(dir, applied + 1, seed, killAfterMs)
      acks += run.acks
      run.jobs.forEach((n, i) => (jobs[i]! += n))
      const found = await recoveredState(dir)
      applyOps(model, seed, applied + 1, run.lastAck)
      let k = run.lastAck
      while (!sameState(model, found)) {
        k++
        const limit = run.lastAck + WINDOW
        expect(k, `seed ${seed} kill ${kill}: no prefix up to ${limit}`).toBeLessThanOrEqual(limit)
        applyOps(model, seed, k, k)
      }
      applied = k
    }
    return { acks, jobs }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('lsm crash', () => {
  it('lsm crash: SIGKILL during writes, flush, compaction, GC: acked prefix', async () => {
    // Two series run side by side: the children mostly wait on fsync and process start-up.
    const series = await Promise.all([killSeries(7, KILLS / 2), killSeries(8, KILLS / 2)])
    const acks = series.reduce((sum, s) => sum + s.acks, 0)
    const [flushes, compactions, gcRuns] = [0, 1, 2].map((i) =>
      series.reduce((sum, s) => sum + s.jobs[i]!, 0),
    )
    process.stdout.write(
      `lsm crash: ${KILLS} kills, ${acks} acks, ${flushes} flushes, ` +
        `${compactions} compactions, ${gcRuns} GC runs before the kills\n`,
    )
    expect(acks).toBeGreaterThan(KILLS * 5)
    expect(flushes).toBeGreaterThan(KILLS / 2)
    expect(compactions).toBeGreaterThan(KILLS / 10)
    expect(gcRuns).toBeGreaterThan(0)
  }, 240_000)
})
