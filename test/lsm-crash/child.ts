/**
 * Crash-test child: opens the db in argv[2] and writes ops from index argv[3] with seed argv[4]
 * forever, WINDOW at a time, every write with sync: true. It prints "ready" after open and
 * "ack <i>" after write i resolved, and is killed with SIGKILL by the parent at a random moment.
 */
import { NodeFileSystem } from '../../storage/vfs/node-fs.ts'
import { Db } from '../../storage/lsm/db.ts'
import { crashDbOptions, opAt, WINDOW } from './workload.ts'

async function main(): Promise<void> {
  const [dir, startText, seedText] = process.argv.slice(2)
  if (dir === undefined || startText === undefined || seedText === undefined) {
    throw new Error('usage: child.ts <dir> <start> <seed>')
  }
  const db = await Db.open(crashDbOptions(new NodeFileSystem(), dir))
  // Flushes and merges run on worker threads: kills must land while they work, not while
  // they load (the children live 20-300 ms).
  await db.backgroundReady()
  process.stdout.write('ready\n')
  setInterval(() => {
    const c = db.counters
    process.stdout.write(`bg ${c.flushes} ${c.compactions + c.trivialMoves} ${c.vlogGcRuns}\n`)
  }, 10)
  const seed = Number(seedText)
  let next = Number(startText)
  const encoder = new TextEncoder()
  const writeOne = async (index: number): Promise<void> => {
    const op = opAt(seed, index)
    const key = encoder.encode(op.key)
    if (op.value === undefined) await db.delete(key, { sync: true })
    else await db.put(key, op.value, { sync: true })
    process.stdout.write(`ack ${index}\n`)
  }
  const lane = async (): Promise<void> => {
    for (;;) await writeOne(next++)
  }
  await Promise.all(Array.from({ length: WINDOW }, lane))
}

main().catch((error: unknown) => {
  process.stderr.write(`child failed: ${String(error)}\n`)
  process.exit(1)
})
