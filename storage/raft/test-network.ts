/**
 * TestNetwork: a small synchronous harness for Raft scenario tests (etcd's `network` in
 * raft_test.go). Each node is a real RawNode over a real MemoryRaftStorage, and the harness is
 * a correct host: it persists each Ready before queueing its messages, then applies and
 * advances. Messages wait in a queue until the test delivers them, so tests can cut links,
 * isolate nodes and drop chosen messages.
 */
import { SeededPrng } from '../../shared/random/prng.ts'
import { bootstrapStorage } from './bootstrap.ts'
import type { RaftConfig } from './config.ts'
import type { Entry, Message, NodeId } from './messages.ts'
import { MemoryRaftStorage } from './raft-storage.ts'
import { RawNode } from './raw-node.ts'
import type { ReadState } from './read-index.ts'

export type NodeOverrides = Partial<Omit<RaftConfig, 'id' | 'storage' | 'prng'>>

export interface TestNode {
  readonly id: NodeId
  storage: MemoryRaftStorage
  raw: RawNode
  readonly applied: Entry[]
  readonly readStates: ReadState[]
}

export class TestNetwork {
  readonly nodes = new Map<NodeId, TestNode>()
  queue: Message[] = []
  /** All messages ever sent, for assertions. */
  readonly sent: Message[] = []
  readonly #cut = new Set<string>()
  dropIf: (m: Message) => boolean = () => false
  readonly #prng = new SeededPrng(1)
  readonly #overrides: NodeOverrides

  /** Nodes `ids` bootstrapped as the voters of a new group (or with given storages). */
  constructor(
    ids: readonly NodeId[],
    overrides: NodeOverrides = {},
    storages?: readonly MemoryRaftStorage[],
  ) {
    this.#overrides = overrides
    ids.forEach((id, i) => this.addNode(id, storages?.[i] ?? bootstrapStorage(ids)))
  }

  addNode(id: NodeId, storage: MemoryRaftStorage, overrides: NodeOverrides = {}): TestNode {
    const raw = new RawNode({ ...this.#overrides, ...overrides, id, storage,
      prng: this.#prng.fork() })
    const node: TestNode = { id, storage, raw, applied: [], readStates: [] }
    this.nodes.set(id, node)
    this.process(id)
    return node
  }

  node(id: NodeId): TestNode {
    const node = this.nodes.get(id)
    if (node === undefined) throw new Error(`no node ${id}`)
    return node
  }

  raft(id: NodeId) {
    return this.node(id).raw.raft
  }

  /** Restarts a node from its storage: volatile state is lost. */
  restart(id: NodeId, overrides: NodeOverrides = {}): TestNode {
    const old = this.node(id)
    return this.addNode(id, old.storage, overrides)
  }

  /** Handles a node's Ready batches following the contract in ready.ts. */
  process(id: NodeId): void {
    const node = this.node(id)
    while (node.raw.hasReady()) {
      const rd = node.raw.ready()
      if (rd.snapshot !== null) node.storage.applySnapshot(rd.snapshot)
      node.storage.append(rd.entries)
      if (rd.hardState !== null) node.storage.setHardState(rd.hardState)
      for (const m of rd.messages) {
        this.sent.push(m)
        this.queue.push(m)
      }
      for (const entry of rd.committedEntries) node.applied.push(entry)
      node.readStates.push(...rd.readStates)
      node.raw.advance(rd)
    }
  }

  cut(a: NodeId, b: NodeId): void {
    this.#cut.add(`${a}-${b}`)
    this.#cut.add(`${b}-${a}`)
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cut(id, other)
  }

  heal(): void {
    this.#cut.clear()
    this.dropIf = () => false
  }

  #blocked(m: Message): boolean {
    return this.#cut.has(`${m.from}-${m.to}`) || this.dropIf(m) || !this.nodes.has(m.to)
  }

  /** Delivers queued messages (and the ones they cause) until none are left. */
  deliverAll(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds && this.queue.length > 0; round++) this.deliverOnce()
  }

  /** Delivers what is queued now, once. */
  deliverOnce(): void {
    const batch = this.queue
    this.queue = []
    for (const m of batch) {
      if (this.#blocked(m)) continue
      this.node(m.to).raw.step(m)
      this.process(m.to)
    }
  }

  tick(id: NodeId, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.node(id).raw.tick()
      this.process(id)
    }
  }

  /** Ticks every node `times` times, delivering all messages after each tick. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const id of this.nodes.keys()) this.tick(id)
      this.deliverAll()
    }
  }

  /** Has `id` campaign and delivers until quiet. */
  elect(id: NodeId): void {
    this.node(id).raw.campaign()
    this.process(id)
    this.deliverAll()
  }

  propose(id: NodeId, text: string) {
    const result = this.node(id).raw.propose(new TextEncoder().encode(text))
    this.process(id)
    return result
  }

  /** Normal entries applied by a node, as text. */
  appliedTexts(id: NodeId): string[] {
    return this.node(id)
      .applied.filter((e) => e.type === 'normal' && e.data.length > 0)
      .map((e) => new TextDecoder().decode(e.data))
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.raw.raft.role === 'leader').map((n) => n.id)
  }
}

/** A storage holding entries with the given terms at indexes 1.., members `voters`. */
export function storageWithTerms(
  voters: readonly NodeId[],
  terms: readonly number[],
  hardTerm: number,
): MemoryRaftStorage {
  const storage = new MemoryRaftStorage({
    metadata: { index: 0, term: 0, confState: { voters: [...voters], learners: [] } },
    data: new Uint8Array(0),
  })
  storage.append(
    terms.map((term, i) => ({
      term,
      index: i + 1,
      type: 'normal' as const,
      data: new TextEncoder().encode(`t${term}i${i + 1}`),
    })),
  )
  storage.setHardState({ term: hardTerm, vote: 0, commit: 0 })
  return storage
}
