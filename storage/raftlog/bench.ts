/**
 * Raft log engine benchmark: appends/s and fsyncs/s with many concurrent writers over many
 * shards on the real file system (NodeFileSystem, fdatasync on), to show group commit at work.
 *
 *   npx tsx storage/raftlog/bench.ts [--seconds 5] [--writers 64] [--shards 16] [--bytes 100]
 *     [--dir /tmp]
 *
 * Each writer appends one entry of --bytes to its shard (writer i -> shard i % shards), waits
 * for the durable ack, and repeats. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeFileSystem } from '../vfs/node-fs.ts'
import { RaftLogEngine } from './log-engine.ts'

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`)
  return value
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0
}

async function main(): Promise<void> {
  const seconds = option('seconds', 5)
  const writers = option('writers', 64)
  const shards = option('shards', 16)
  const valueBytes = option('bytes', 100)
  const dirAt = process.argv.indexOf('--dir')
  const base = dirAt >= 0 ? (process.argv[dirAt + 1] ?? tmpdir()) : tmpdir()
  const root = mkdtempSync(join(base, 'shoal-raftlog-bench-'))
  try {
    const engine = await RaftLogEngine.open(new NodeFileSystem(), join(root, 'raftlog'))
    const next = new Map<number, number>()
    const latenciesMs: number[] = []
    const data = new Uint8Array(valueBytes).fill(0x61)
    const start = performance.now()
    const deadline = start + seconds * 1000
    const syncsBefore = engine.stats.syncs
    const writer = async (id: number): Promise<void> => {
      const shardId = id % shards
      while (performance.now() < deadline) {
        const index = next.get(shardId) ?? 1
        next.set(shardId, index + 1)
        const began = performance.now()
        await engine.append([{ shardId, entries: [{ index, term: 1, data }] }])
        latenciesMs.push(performance.now() - began)
      }
    }
    await Promise.all(Array.from({ length: writers }, (_, id) => writer(id)))
    const elapsedS = (performance.now() - start) / 1000
    await engine.close()
    const syncs = engine.stats.syncs - syncsBefore
    latenciesMs.sort((a, b) => a - b)
    const result = {
      bench: 'raftlog',
      writers,
      shards,
      valueBytes,
      seconds: Number(elapsedS.toFixed(2)),
      appends: latenciesMs.length,
      appendsPerSec: Math.round(latenciesMs.length / elapsedS),
      fsyncsPerSec: Math.round(syncs / elapsedS),
      appendsPerFsync: Number((latenciesMs.length / Math.max(1, syncs)).toFixed(1)),
      p50Ms: Number(percentile(latenciesMs, 50).toFixed(2)),
      p99Ms: Number(percentile(latenciesMs, 99).toFixed(2)),
      mbPerSec: Number((engine.stats.bytesWritten / elapsedS / 1024 / 1024).toFixed(2)),
    }
    console.log(JSON.stringify(result))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
