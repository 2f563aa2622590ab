/**
 * SnapshotService: both ends of InstallSnapshot for one storage node.
 *
 * Sending (a leader). When the core needs a follower caught up from a snapshot (host.ts hands
 * over its 'snap' message), or a follower asks (`raft.requestSnapshot`), one stream per
 * (group, follower) runs: a SnapshotSource over the group's LSM range at the applied index of
 * an LSM snapshot, sent as `raft.installSnapshot` chunks of about chunkBytes, each awaited
 * before the next (bounded memory, backpressure). Index and term: the source's applied index
 * and its term from this replica's log (never compacted past the durable applied index).
 *
 * Receiving (a follower). Offset 0 of a stream the replica needs (its applied index is below
 * the snapshot's, or its range is partial) freezes the group in the host and begins a
 * SnapshotIngest (marker first); each chunk must continue the stream at the expected offset
 * (else a `protocol` error, and the stream is abandoned); the last one finishes the ingest
 * (flushed) and hands the snapshot to the host, which installs it into the core. A stream that
 * is not needed (already applied) is answered `not-needed` after the core is stepped with
 * the metadata, so the leader's progress moves on. An abandoned or idle ingest leaves the
 * group frozen with its marker: every requestMs the node asks the group's leader for a fresh
 * stream. A restart that finds a marker does the same (recovery.md).
 */
import { ShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { Logger } from '../../shared/log.ts'
import type { Clock, TimerHandle, Timers } from '../../shared/time/clock.ts'
import type { Db } from '../lsm/db.ts'
import type { MultiRaftHost } from '../multiraft/host.ts'
import type { SnapshotChunk } from '../multiraft/snapshot-wire.ts'
import {
  decodeSnapshotChunk,
  decodeSnapshotRequest,
  encodeSnapshotChunk,
  encodeSnapshotRequest,
  installSnapshotMethod,
  itemBytes,
  requestSnapshotMethod,
} from '../multiraft/snapshot-wire.ts'
import type { NodeId } from '../raft/messages.ts'
import { message, NONE } from '../raft/messages.ts'
import { SnapshotIngest } from './snapshot-ingest.ts'
import { SnapshotSource } from './snapshot-source.ts'
import type { ApplyResult } from './state-machine.ts'
import { NodeStateMachine } from './state-machine.ts'
import type { Topology } from './topology.ts'

export interface SnapshotServiceOptions {
  readonly nodeId: string
  readonly db: Db
  readonly host: MultiRaftHost<ApplyResult>
  readonly stateMachine: NodeStateMachine
  readonly topology: Topology
  readonly clock: Clock
  readonly timers: Timers
  readonly logger: Logger
  /** A request to a peer node; rejects on failure or at the deadline (monotonic ms). */
  call(peer: NodeId, method: string, body: unknown, deadlineMs: number): Promise<unknown>
  /** A one-way message to a peer node (may be dropped). */
  notify(peer: NodeId, method: string, body: unknown): void
  /** Groups whose range a restart found partial (an ingest marker). */
  readonly partial: readonly number[]
  readonly chunkBytes?: number
  /** Test seam: awaited after each chunk is stored, before it is answered. */
  readonly onChunkStored?: (group: number, offset: number) => Promise<void>
}

export type ChunkAnswer =
  | { readonly kind: 'stored'; readonly offset: number }
  | { readonly kind: 'installed' }
  | { readonly kind: 'not-needed' }

interface Ingesting {
  readonly chunk0: SnapshotChunk
  readonly ingest: SnapshotIngest
  readonly from: NodeId
  readonly chunk0Ms: number
  offset: number
  lastChunkMs: number
}

/** The figures of the last stream this node completed, for reports and tests. */
export interface SnapshotFigures {
  readonly group: number
  readonly index: number
  readonly items: number
  readonly bytes: number
  readonly ms: number
}

export class SnapshotService {
  readonly #o: SnapshotServiceOptions
  readonly #me: NodeId
  readonly #sending = new Set<string>()
  readonly #ingests = new Map<number, Ingesting>()
  /** Groups whose range may be partial: frozen until a stream completes. */
  readonly #partial: Set<number>
  readonly #chains = new Map<number, Promise<unknown>>()
  #timer: TimerHandle | null = null
  #transfers = 0
  #closed = false
  lastSent: SnapshotFigures | null = null
  lastReceived: SnapshotFigures | null = null

  constructor(o: SnapshotServiceOptions) {
    this.#o = o
    this.#me = o.topology.raftId(o.nodeId)
    this.#partial = new Set(o.partial)
  }

  start(): void {
    this.#timer = this.#o.timers.every(limits.storageSnapshotRequestMs, () => this.#onTimer())
  }

  close(): void {
    this.#closed = true
    this.#timer?.cancel()
  }

  /** Groups waiting for a snapshot (partial range), for status and tests. */
  partialGroups(): number[] {
    return [...this.#partial].sort((a, b) => a - b)
  }

  // ------------------------------------------------------------------ sending

  /** Starts a stream of `group` to raft node `to` unless one is already running. */
  send(group: number, to: NodeId): void {
    const key = `${group}:${to}`
    if (this.#closed || this.#sending.has(key) || to === this.#me) return
    this.#sending.add(key)
    const started = this.#o.clock.monotonicMs()
    this.#stream(group, to)
      .then(
        (figures) => {
          if (figures === null) return
          this.#o.host.stats.snapshotsSent++
          this.lastSent = { ...figures, ms: this.#o.clock.monotonicMs() - started }
          this.#o.logger.info('snapshot sent', { ...this.lastSent, to })
        },
        (error: unknown) => {
          this.#o.host.stats.snapshotsFailed++
          this.#o.logger.warn('snapshot stream failed', { group, to, error: String(error) })
        },
      )
      .finally(() => this.#sending.delete(key))
  }

  async #stream(group: number, to: NodeId): Promise<Omit<SnapshotFigures, 'ms'> | null> {
    const o = this.#o
    const source = new SnapshotSource(o.db, group, o.clock.wallMs())
    try {
      const term = o.host.termAt(group, source.index)
      if (term === undefined) {
        throw new ShoalError('internal', `group ${group}: no term for applied ${source.index}`)
      }
      const header = {
        from: o.nodeId,
        group,
        index: source.index,
        term,
        leaderTerm: o.host.status(group).term,
        transfer: `${o.nodeId}.${group}.${++this.#transfers}.${o.clock.monotonicMs()}`,
      }
      let offset = 0
      for (;;) {
        if (this.#closed) throw new ShoalError('closed', 'node closing')
        const items = source.next(o.chunkBytes ?? limits.storageSnapshotChunkBytes)
        const done = source.done
        const body = encodeSnapshotChunk({ ...header, offset, done, items })
        const deadline = o.clock.monotonicMs() + limits.storageSnapshotIdleMsMax
        const answer = (await o.call(to, installSnapshotMethod, body, deadline)) as ChunkAnswer
        if (answer.kind === 'not-needed') return null
        for (const item of items) offset += itemBytes(item)
        if (done) break
      }
      return { group, index: source.index, items: source.items, bytes: source.bytes }
    } finally {
      source.close()
    }
  }

  /** `raft.requestSnapshot` from a follower: stream to it if this replica leads the group. */
  onRequest(body: unknown, peerNodeId: string): null {
    const request = decodeSnapshotRequest(body)
    if (request.from !== peerNodeId) {
      throw new ShoalError(
        'protocol',
        `${requestSnapshotMethod} from ${request.from} ` + `on ${peerNodeId}'s link`,
      )
    }
    const host = this.#o.host
    if (host.hasGroup(request.group) && host.leader(request.group) === this.#me) {
      this.send(request.group, this.#o.topology.raftId(peerNodeId))
    }
    return null
  }

  #onTimer(): void {
    const now = this.#o.clock.monotonicMs()
    for (const [group, st] of this.#ingests) {
      if (now - st.lastChunkMs > limits.storageSnapshotIdleMsMax) {
        this.#abandon(group, 'no chunk in time')
      }
    }
    for (const group of this.#partial) {
      if (this.#ingests.has(group)) continue
      const leader = this.#o.host.leader(group)
      if (leader === NONE || leader === this.#me) continue
      this.#o.notify(leader, requestSnapshotMethod, encodeSnapshotRequest(this.#o.nodeId, group))
    }
  }

  // ---------------------------------------------------------------- receiving

  /** One `raft.installSnapshot` chunk; chunks of one group are handled one at a time. */
  onChunk(body: unknown, peerNodeId: string): Promise<ChunkAnswer> {
    const chunk = decodeSnapshotChunk(body)
    if (chunk.from !== peerNodeId) {
      throw new ShoalError(
        'protocol',
        `${installSnapshotMethod} from ${chunk.from} ` + `on ${peerNodeId}'s link`,
      )
    }
    if (!this.#o.host.hasGroup(chunk.group)) {
      throw new ShoalError('not-found', `this node hosts no group ${chunk.group}`)
    }
    const from = this.#o.topology.raftId(peerNodeId)
    const previous = this.#chains.get(chunk.group) ?? Promise.resolve()
    const run = previous.catch(() => undefined).then(() => this.#chunk(chunk, from))
    this.#chains.set(chunk.group, run)
    return run
  }

  async #chunk(c: SnapshotChunk, from: NodeId): Promise<ChunkAnswer> {
    const group = c.group
    let st = this.#ingests.get(group)
    if (c.offset === 0 && st?.chunk0.transfer !== c.transfer) {
      if (st !== undefined) this.#abandon(group, `superseded by ${c.transfer}`)
      const begun = await this.#begin(c, from)
      if (begun === null) return { kind: 'not-needed' }
      st = begun
    }
    if (st === undefined || st.chunk0.transfer !== c.transfer) {
      throw new ShoalError(
        'protocol',
        `${installSnapshotMethod}: chunk at offset ${c.offset} ` +
          `of unknown stream ${c.transfer} (a stream starts at offset 0)`,
      )
    }
    const problem = chunkProblem(st, c)
    if (problem !== undefined) {
      this.#abandon(group, problem)
      throw new ShoalError('protocol', `${installSnapshotMethod}: group ${group}: ${problem}`)
    }
    await st.ingest.add(c.items)
    for (const item of c.items) st.offset += itemBytes(item)
    st.lastChunkMs = this.#o.clock.monotonicMs()
    await this.#o.onChunkStored?.(group, st.offset)
    if (!c.done) return { kind: 'stored', offset: st.offset }
    await st.ingest.finish()
    this.#ingests.delete(group)
    this.#partial.delete(group)
    if (group === this.#o.topology.catalogGroup) {
      this.#o.stateMachine.catalog = NodeStateMachine.loadCatalog(this.#o.db, group)
    }
    this.#o.host.installSnapshot(group, {
      index: c.index,
      term: c.term,
      from: st.from,
      leaderTerm: c.leaderTerm,
    })
    this.#o.host.stats.snapshotsReceived++
    this.lastReceived = {
      group,
      index: c.index,
      items: st.ingest.items,
      bytes: st.offset,
      ms: this.#o.clock.monotonicMs() - st.chunk0Ms,
    }
    return { kind: 'installed' }
  }

  /** Offset 0: begins an ingest, or answers the core when the snapshot is not needed. */
  async #begin(c: SnapshotChunk, from: NodeId): Promise<Ingesting | null> {
    const host = this.#o.host
    const group = c.group
    const partial = this.#partial.has(group)
    if (!partial && c.index <= host.appliedIndex(group)) return this.#notNeeded(c, from)
    if (partial && c.index < host.appliedIndex(group)) {
      throw new ShoalError(
        'conflict',
        `group ${group}: snapshot ${c.index} is older than ` +
          `this replica's applied index ${host.appliedIndex(group)}`,
      )
    }
    if (host.leader(group) === this.#me) {
      throw new ShoalError('conflict', `group ${group}: this replica leads; it takes no snapshot`)
    }
    await host.freeze(group)
    if (!partial && c.index <= host.appliedIndex(group)) {
      host.thaw(group) // it applied that far while the turn in flight finished
      return this.#notNeeded(c, from)
    }
    this.#partial.add(group)
    const ingest = await SnapshotIngest.begin(this.#o.db, group, c.index, c.term)
    const now = this.#o.clock.monotonicMs()
    const st = { chunk0: c, ingest, from, offset: 0, lastChunkMs: now, chunk0Ms: now }
    this.#ingests.set(group, st)
    return st
  }

  /** Steps the core with the snapshot's metadata: it answers the leader with its own index. */
  #notNeeded(c: SnapshotChunk, from: NodeId): null {
    const host = this.#o.host
    const snapshot = {
      metadata: { index: c.index, term: c.term, confState: host.confState(c.group) },
      data: new Uint8Array(0),
    }
    host.step(c.group, message({ type: 'snap', from, to: this.#me, term: c.leaderTerm, snapshot }))
    return null
  }

  #abandon(group: number, why: string): void {
    if (!this.#ingests.delete(group)) return
    this.#o.host.stats.snapshotsFailed++
    this.#o.logger.warn('snapshot ingest abandoned; asking for a fresh one', { group, why })
  }
}

function chunkProblem(st: Ingesting, c: SnapshotChunk): string | undefined {
  if (c.offset !== st.offset) {
    return `out-of-order chunk: expected offset ${st.offset}, got ${c.offset}`
  }
  const h = st.chunk0
  if (c.index !== h.index || c.term !== h.term || c.leaderTerm !== h.leaderTerm) {
    return `chunk header (${c.index}, ${c.term}) differs from the stream's (${h.index}, ${h.term})`
  }
  return undefined
}
