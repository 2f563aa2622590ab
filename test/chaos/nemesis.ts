/**
 * The nemesis: a seeded schedule of faults against a ChaosCluster, one fault at a time (so a
 * quorum survives), each followed by a quiet spell:
 * - `kill` / `kill-leader`: SIGKILL and restart of a random node or of a shard's leader;
 * - `pause`: SIGSTOP/SIGCONT longer than the election timeout (10 ticks of 100 ms = 1 s);
 * - `partition`: {a} | {b,c} both ways on the node-to-node links (a is a leader half the time);
 * - `partition-one-way`: only a's messages to the others are lost, or only theirs to a;
 * - `delay`: every link to and from node a (peers and gateways) slowed by 50–250 ms.
 * The gateways keep reaching every node (they are clients, not peers). Records what it did and
 * when, on the workload's clock (performance.now).
 */
import { SeededPrng } from '../../shared/random/prng.ts'
import type { ChaosCluster } from './cluster.ts'

export const faultKinds = [
  'kill',
  'kill-leader',
  'pause',
  'partition',
  'partition-one-way',
  'delay',
] as const
export type FaultKind = (typeof faultKinds)[number]

export interface FaultRecord {
  readonly kind: FaultKind
  readonly node: string
  readonly detail: string
  readonly startMs: number
  readonly endMs: number
}

export interface NemesisOptions {
  readonly seed: number
  readonly kinds: readonly FaultKind[]
  readonly stopped: () => boolean
  readonly faultsMax: number
}

const holdMsMin = 2_000
const holdMsMax = 3_000
const quietMsMin = 500
const quietMsMax = 1_500
const delayMsMin = 50
const delayMsMax = 250

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Cuts a's messages to b: requests on a's link to b, replies on b's link to a. */
function cutDirected(cluster: ChaosCluster, a: string, b: string): void {
  cluster.link(a, b).cut('up')
  cluster.link(b, a).cut('down')
}

function droppedBytes(cluster: ChaosCluster): number {
  let total = 0
  for (const proxy of cluster.links.values()) total += proxy.droppedBytes
  return total
}

async function inject(
  cluster: ChaosCluster,
  kind: FaultKind,
  node: string,
  prng: SeededPrng,
): Promise<string> {
  const others = cluster.nodes.map((n) => n.id).filter((id) => id !== node)
  const hold = prng.intInclusive(holdMsMin, holdMsMax)
  if (kind === 'kill' || kind === 'kill-leader') {
    await cluster.kill(node)
    await sleep(prng.intInclusive(200, 1_000))
    await cluster.startNode(node)
    return 'SIGKILL, restart'
  }
  if (kind === 'pause') {
    cluster.pause(node)
    await sleep(hold)
    cluster.resume(node)
    return `SIGSTOP ${hold} ms`
  }
  let detail: string
  if (kind === 'partition') {
    for (const other of others) {
      cutDirected(cluster, node, other)
      cutDirected(cluster, other, node)
    }
    detail = `{${node}} | {${others.join(',')}} ${hold} ms`
  } else if (kind === 'partition-one-way') {
    const outbound = prng.intInclusive(0, 1) === 0
    for (const other of others) {
      if (outbound) cutDirected(cluster, node, other)
      else cutDirected(cluster, other, node)
    }
    detail = outbound
      ? `${node} -> {${others.join(',')}} lost ${hold} ms`
      : `{${others.join(',')}} -> ${node} lost ${hold} ms`
  } else {
    const ms = prng.intInclusive(delayMsMin, delayMsMax)
    for (const proxy of cluster.links.values()) {
      if (proxy.name.startsWith(`${node}->`) || proxy.name.endsWith(`->${node}`)) {
        proxy.setDelay(ms)
      }
    }
    detail = `links of ${node} +${ms} ms for ${hold} ms`
  }
  const droppedBefore = droppedBytes(cluster)
  await sleep(hold)
  const dropped = droppedBytes(cluster) - droppedBefore
  cluster.healAll()
  return kind === 'delay' ? detail : `${detail}, ${dropped} bytes dropped`
}

/** Kinds come in rounds, each a seeded permutation, so a short run still covers each kind. */
function shuffled(kinds: readonly FaultKind[], prng: SeededPrng): FaultKind[] {
  const out = [...kinds]
  for (let i = out.length - 1; i > 0; i--) {
    const j = prng.intInclusive(0, i)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

export async function runNemesis(
  cluster: ChaosCluster,
  options: NemesisOptions,
): Promise<FaultRecord[]> {
  const prng = new SeededPrng(options.seed ^ 0x9e37)
  const faults: FaultRecord[] = []
  let round: FaultKind[] = []
  await sleep(prng.intInclusive(quietMsMin, quietMsMax))
  while (options.kinds.length > 0 && !options.stopped() && faults.length < options.faultsMax) {
    if (round.length === 0) round = shuffled(options.kinds, prng)
    const kind = round.shift()!
    let node = cluster.nodes[prng.intInclusive(0, cluster.nodes.length - 1)]!.id
    const startMs = performance.now()
    const leaderWanted =
      kind === 'kill-leader' || (kind === 'partition' && prng.intInclusive(0, 1) === 0)
    if (leaderWanted) {
      node = (await cluster.leaderOf(prng.intInclusive(0, cluster.shardCount - 1))) ?? node
    }
    const detail = await inject(cluster, kind, node, prng)
    faults.push({ kind, node, detail, startMs, endMs: performance.now() })
    await sleep(prng.intInclusive(quietMsMin, quietMsMax))
  }
  return faults
}
