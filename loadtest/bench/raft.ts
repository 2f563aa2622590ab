/**
 * Raft core benchmark: a 3-node group in one process with in-memory storage and no I/O, so it
 * measures only the consensus core (is it ever the bottleneck?). Prints JSON lines:
 *
 * - workload "batched": the leader proposes batches of 64-byte entries and the network delivers
 *   at once; opsPerSec is committed (and applied on the leader) entries per wall-clock second.
 * - workload "per-tick": each tick the leader proposes a batch and every message takes one tick
 *   to arrive; p50Ticks/p99Ticks are ticks from proposal to commit at the leader.
 *
 * Run alone: `npx tsx loadtest/bench/raft.ts [--quick]`, or `npm run bench -- raft [--quick]`.
 */
import { pathToFileURL } from 'node:url'
import type { Message, NodeId } from '../../storage/raft/messages.ts'
import type { MemoryRaftStorage } from '../../storage/raft/raft-storage.ts'
import { RawNode } from '../../storage/raft/raw-node.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { bootstrapStorage } from '../../storage/raft/bootstrap.ts'

const ENTRY_BYTES = 64
const COMPACT_EVERY = 20_000

interface BenchNode {
  readonly raw: RawNode
  readonly storage: MemoryRaftStorage
  applied: number
}

class BenchCluster {
  readonly nodes = new Map<NodeId, BenchNode>()
  inbox: Message[] = []
  readonly commitTimes: number[] = []
  onLeaderApply: (index: number) => void = () => {}

  constructor() {
    const prng = new SeededPrng(7)
    for (const id of [1, 2, 3]) {
      const storage = bootstrapStorage([1, 2, 3])
      const raw = new RawNode({ id, storage, prng: prng.fork(), readMode: 'read-index' })
      this.nodes.set(id, { raw, storage, applied: 0 })
    }
    this.drainReadies() // apply the bootstrap membership: no campaign with it unapplied
    this.node(1).raw.campaign()
    for (let i = 0; i < 10 && this.node(1).raw.raft.role !== 'leader'; i++) this.flush(true)
    if (this.node(1).raw.raft.role !== 'leader') throw new Error('raft bench: no leader')
  }

  node(id: NodeId): BenchNode {
    return this.nodes.get(id)!
  }

  /** Handles every node's Ready; messages go to the inbox. */
  drainReadies(): void {
    for (const [id, node] of this.nodes) {
      while (node.raw.hasReady()) {
        const rd = node.raw.ready()
        if (rd.entries.length > 0) node.storage.append(rd.entries)
        if (rd.hardState !== null) node.storage.setHardState(rd.hardState)
        for (const m of rd.messages) this.inbox.push(m)
        const last = rd.committedEntries[rd.committedEntries.length - 1]
        if (last !== undefined) {
          node.applied = last.index
          if (id === 1) this.onLeaderApply(last.index)
        }
        node.raw.advance(rd)
        if (node.applied - node.storage.firstIndex() > COMPACT_EVERY) {
          node.storage.compact(node.applied - 1000)
        }
      }
    }
  }

  /** Delivers messages until quiet (untilQuiet) or for one hop. */
  flush(untilQuiet: boolean): void {
    do {
      this.drainReadies()
      const batch = this.inbox
      this.inbox = []
      for (const m of batch) this.node(m.to).raw.step(m)
      this.drainReadies()
    } while (untilQuiet && this.inbox.length > 0)
  }
}

function payloads(count: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) out.push(new Uint8Array(ENTRY_BYTES).fill(i & 0xff))
  return out
}

function runBatched(totalEntries: number, batch: number): void {
  const cluster = new BenchCluster()
  const leader = cluster.node(1)
  const data = payloads(batch)
  const startIndex = leader.applied
  const started = performance.now()
  while (leader.applied - startIndex < totalEntries) {
    leader.raw.proposeBatch(data)
    cluster.flush(true)
  }
  const seconds = (performance.now() - started) / 1000
  const committed = leader.applied - startIndex
  print({ workload: `batched-${batch}`, entries: committed,
    opsPerSec: Math.round(committed / seconds), p50Ticks: 0, p99Ticks: 0 })
}

function runPerTick(ticks: number, perTick: number): void {
  const cluster = new BenchCluster()
  const leader = cluster.node(1)
  const data = payloads(perTick)
  const proposedAt = new Map<number, number>()
  const latencies: number[] = []
  let tick = 0
  cluster.onLeaderApply = (index) => {
    for (const [last, at] of proposedAt) {
      if (last > index) break
      latencies.push(tick - at)
      proposedAt.delete(last)
    }
  }
  const startIndex = leader.applied
  const started = performance.now()
  for (tick = 0; tick < ticks; tick++) {
    for (const node of cluster.nodes.values()) node.raw.tick()
    const result = leader.raw.proposeBatch(data)
    if (result.kind === 'appended') proposedAt.set(result.index, tick)
    cluster.flush(false) // one network hop per tick
  }
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? -1
  const committed = leader.applied - startIndex
  print({ workload: `per-tick-${perTick}`, entries: committed,
    opsPerSec: Math.round(committed / seconds), p50Ticks: pct(0.5), p99Ticks: pct(0.99) })
}

function print(fields: Record<string, string | number>): void {
  process.stdout.write(`${JSON.stringify({ bench: 'raft', ...fields })}\n`)
}

export async function runRaftBench(options: { quick: boolean }): Promise<void> {
  const scale = options.quick ? 1 : 5
  runBatched(200_000 * scale, 1000)
  runBatched(50_000 * scale, 64)
  runBatched(10_000 * scale, 1) // no batching: the per-proposal cost of one full round
  runPerTick(2000 * scale, 100)
  await Promise.resolve()
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runRaftBench({ quick: process.argv.includes('--quick') })
}
