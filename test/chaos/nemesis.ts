/**
 * The nemesis: a seeded schedule of faults against a ChaosCluster, one fault at a time (so a
 * quorum survives): SIGKILL + restart of a random node or of a shard's leader, SIGSTOP/SIGCONT
 * pauses longer than the election timeout (ticks of 100 ms × 10 = 1 s; we pause 2–3 s), and
 * inbound isolation of a node through its proxy (blackhole, then heal). Each fault is followed
 * by a quiet spell. Records what it did and when, on the workload's clock (performance.now).
 */
import { SeededPrng } from '../../shared/random/prng.ts'
import type { ChaosCluster } from './cluster.ts'

export type FaultKind = 'kill' | 'kill-leader' | 'pause' | 'isolate'
export const faultKinds: readonly FaultKind[] = ['kill', 'kill-leader', 'pause', 'isolate']

export interface FaultRecord {
  readonly kind: FaultKind
  readonly node: string
  readonly startMs: number
  readonly endMs: number
}

export interface NemesisOptions {
  readonly seed: number
  readonly kinds: readonly FaultKind[]
  readonly stopped: () => boolean
  readonly faultsMax: number
}

const pauseMsMin = 2_000
const pauseMsMax = 3_000
const quietMsMin = 500
const quietMsMax = 1_500

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

export async function runNemesis(cluster: ChaosCluster, options: NemesisOptions):
  Promise<FaultRecord[]> {
  const prng = new SeededPrng(options.seed ^ 0x9e37)
  const faults: FaultRecord[] = []
  await sleep(prng.intInclusive(quietMsMin, quietMsMax))
  while (!options.stopped() && faults.length < options.faultsMax) {
    const kind = options.kinds[prng.intInclusive(0, options.kinds.length - 1)]!
    let node = cluster.nodes[prng.intInclusive(0, cluster.nodes.length - 1)]!.id
    const startMs = performance.now()
    if (kind === 'kill-leader') {
      node = (await cluster.leaderOf(prng.intInclusive(0, cluster.shardCount - 1))) ?? node
    }
    if (kind === 'kill' || kind === 'kill-leader') {
      await cluster.kill(node)
      await sleep(prng.intInclusive(200, 1_000))
      await cluster.startNode(node)
    } else if (kind === 'pause') {
      cluster.pause(node)
      await sleep(prng.intInclusive(pauseMsMin, pauseMsMax))
      cluster.resume(node)
    } else {
      cluster.node(node).proxy.setMode('blackhole')
      await sleep(prng.intInclusive(pauseMsMin, pauseMsMax))
      cluster.node(node).proxy.setMode('reset')
      cluster.node(node).proxy.setMode('pass')
    }
    faults.push({ kind, node, startMs, endMs: performance.now() })
    await sleep(prng.intInclusive(quietMsMin, quietMsMax))
  }
  return faults
}
