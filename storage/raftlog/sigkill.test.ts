// Blackbox crash test with real processes (TESTING.md part (d), crash kind 1): a child
// appends to the raft log on the real file system and reports each durable ack; it is
// SIGKILLed at seeded moments, cumulatively on one directory. After every kill the log must
// reopen and hold every acknowledged entry with its exact data (unless compacted away).
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fromUtf8 } from '../../shared/codecs/bytes.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { isAlive, spawnTs, stop, tempDir, waitFor } from '../../test/harness/processes.ts'
import { NodeFileSystem } from '../vfs/node-fs.ts'
import { RaftLogEngine } from './log-engine.ts'

const kills = 4

function acks(output: string): Array<{ shardId: number; index: number; data: string }> {
  const result = []
  for (const line of output.split('\n')) {
    const match = /^ack (\d+) (\d+) (\S+)$/.exec(line)
    if (match !== null) {
      result.push({ shardId: Number(match[1]), index: Number(match[2]), data: match[3]! })
    }
  }
  return result
}

/** tsx runs the script in a child node process: SIGKILL that one (its pid is printed). */
async function killWorker(output: string): Promise<void> {
  const match = /^ready (\d+)$/m.exec(output)
  if (match === null) return
  const pid = Number(match[1])
  process.kill(pid, 'SIGKILL')
  await waitFor(`worker ${pid} gone`, () => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 5 })
}

describe('raftlog sigkill', () => {
  it('sigkill: child killed at seeded moments: every acknowledged entry survives', async () => {
    const root = tempDir('raftlog-kill')
    const dir = join(root, 'log')
    const prng = new SeededPrng(2026)
    let checked = 0
    try {
      for (let kill = 0; kill < kills; kill++) {
        const child = spawnTs('storage/raftlog/stress-child.ts', [dir])
        try {
          const wanted = prng.intInclusive(50, 1500)
          await waitFor('child acks', () => acks(child.output()).length >= wanted, {
            timeoutMs: 30_000,
            intervalMs: 5,
          })
        } finally {
          await killWorker(child.output())
          await stop(child, 'SIGKILL')
        }
        const engine = await RaftLogEngine.open(new NodeFileSystem(), dir)
        for (const ack of acks(child.output())) {
          if (ack.index < engine.firstIndex(ack.shardId)) continue
          const got = engine.entries(ack.shardId, ack.index, ack.index + 1, Infinity)
          expect(got === 'compacted' ? got : fromUtf8(got[0]!.data), `kill ${kill}`).toBe(ack.data)
          checked++
        }
        await engine.close()
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
    expect(checked).toBeGreaterThan(kills * 20) // anti-vacuity
  })
})
