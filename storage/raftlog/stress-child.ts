/**
 * Child process for the raft log's SIGKILL test: opens the log in argv[2], then runs 16
 * writers over 8 shards, each appending one entry at a time to its shard and printing
 * `ack <shard> <index> <data>` after the append resolved (so only durable entries are
 * printed). It continues each shard's log where recovery left it, and runs until killed.
 */
import { NodeFileSystem } from '../vfs/node-fs.ts'
import { RaftLogEngine } from './log-engine.ts'

const shards = 8
const writers = 16

async function main(): Promise<void> {
  const dir = process.argv[2]
  if (dir === undefined) throw new Error('usage: stress-child.ts <dir>')
  const engine = await RaftLogEngine.open(new NodeFileSystem(), dir, {
    segmentBytesTarget: 64 * 1024,
    closedSegmentsMax: 2,
  })
  const next = new Map<number, number>()
  for (let shardId = 0; shardId < shards; shardId++) {
    next.set(shardId, engine.lastIndex(shardId) + 1)
  }
  process.stdout.write(`ready ${process.pid}\n`)
  const writer = async (id: number): Promise<void> => {
    const shardId = id % shards
    for (;;) {
      const index = next.get(shardId)!
      next.set(shardId, index + 1)
      const text = `${shardId}-${index}-${'x'.repeat((index * 37) % 300)}`
      await engine.append([{ shardId, entries: [{ index, term: 1, data: Buffer.from(text) }] }])
      process.stdout.write(`ack ${shardId} ${index} ${text}\n`)
      if (index % 50 === 0) await engine.compact(shardId, index - 20)
    }
  }
  await Promise.all(Array.from({ length: writers }, (_, id) => writer(id)))
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exitCode = 1
})
