/**
 * StorageNode: the composition of one storage node — the LSM (WAL off), the shared Raft log
 * engine, the multi-raft host with its groups from the topology, RPC clients to the peer nodes
 * (Raft traffic) and the RPC server (gateway and peer traffic).
 *
 * Open order: LSM (recovers the applied index and catalog of every group), log engine, host
 * (replays entries after each applied index), RPC server, then ticking. Close order: stop
 * ticking and the RPC server, wait for the turn in flight, flush the LSM (so a restart replays
 * little) and close the log engine and the LSM. See recovery.md for the crash argument.
 *
 * Background: every flushIntervalMs the LSM is flushed, which bounds how much of the Raft log a
 * restart replays. The Raft log is not compacted yet (no snapshot install; see recovery.md).
 */
import { ShoalError } from '../../shared/errors.ts'
import type { ClusterFile } from '../../shared/config/cluster-file.ts'
import { parseHostPort } from '../../shared/config/cluster-file.ts'
import { decodeHlc, HybridLogicalClock } from '../../shared/time/hlc.ts'
import { limits } from '../../shared/limits.ts'
import type { Logger } from '../../shared/log.ts'
import type { Prng } from '../../shared/random/prng.ts'
import { RpcClient } from '../../shared/rpc/rpc-client.ts'
import { RpcServer } from '../../shared/rpc/rpc-server.ts'
import type { Clock, TimerHandle, Timers } from '../../shared/time/clock.ts'
import { Db } from '../lsm/db.ts'
import type { Retention } from '../lsm/retention.ts'
import { MultiRaftHost } from '../multiraft/host.ts'
import { encodeRaftBatch, raftBatchMethod } from '../multiraft/wire.ts'
import { RaftLogEngine } from '../raftlog/log-engine.ts'
import type { NodeId } from '../raft/messages.ts'
import type { FileSystem } from '../vfs/vfs.ts'
import { joinPath } from '../vfs/vfs.ts'
import { makeHandler } from './dispatch.ts'
import { isMetaKey, tableIdOfKey } from './keys.ts'
import type { NodeServices } from './services.ts'
import type { ApplyResult } from './state-machine.ts'
import { NodeStateMachine } from './state-machine.ts'
import { Topology } from './topology.ts'

export interface StorageNodeOptions {
  readonly cluster: ClusterFile
  readonly nodeId: string
  readonly dataDir: string
  /** Where to listen; default the node's address in the cluster file. Port 0 for tests. */
  readonly listen?: { host: string; port: number }
  readonly fs: FileSystem
  readonly clock: Clock
  readonly timers: Timers
  readonly prng: Prng
  readonly logger: Logger
  readonly tickMs?: number
  readonly electionTicks?: number
  readonly flushIntervalMs?: number
  readonly memtableBytes?: number
  /** Called when the node cannot go on (fsync failure, corruption): the process must exit. */
  readonly onFatal?: (error: unknown) => void
}

const keepOne: Retention = { maxVersions: 1 }
/** Versions kept for a table this replica's catalog does not know (yet): the API maximum. */
const unknownTable: Retention = { maxVersions: 1000 }

export class StorageNode {
  readonly services: NodeServices
  readonly #o: StorageNodeOptions
  readonly #db: Db
  readonly #engine: RaftLogEngine
  readonly #host: MultiRaftHost<ApplyResult>
  readonly #server: RpcServer
  readonly #peers = new Map<NodeId, RpcClient>()
  #port = 0
  #flushTimer: TimerHandle | null = null
  #flushing = false
  #ready = false

  private constructor(o: StorageNodeOptions, db: Db, engine: RaftLogEngine,
    sm: NodeStateMachine) {
    this.#o = o
    this.#db = db
    this.#engine = engine
    const topology = new Topology(o.cluster)
    const me = topology.raftId(o.nodeId)
    const tickMs = o.tickMs ?? 50
    this.#host = new MultiRaftHost<ApplyResult>({
      nodeId: me,
      groups: topology.groupsOf(o.nodeId).map((group) => ({
        group, voters: topology.voters(group),
        applied: NodeStateMachine.appliedIndex(db, group),
      })),
      engine, stateMachine: sm, clock: o.clock, timers: o.timers, prng: o.prng.fork(),
      logger: o.logger, tickMs, electionTicks: o.electionTicks ?? 10, readMode: 'lease',
      transport: { send: (peer, msgs) => this.#sendRaft(peer, msgs) },
      onFatal: (error) => o.onFatal?.(error),
    })
    const hlc = new HybridLogicalClock({ remoteAheadMsMax: limits.hlcRemoteAheadMsMax })
    this.services = {
      nodeId: o.nodeId, host: this.#host, db, stateMachine: sm, topology, clock: o.clock,
      nextTimestamp: () => decodeHlc(hlc.now(o.clock.wallMs())).wallMs,
      ready: () => this.#ready,
    }
    const address = o.listen ?? parseHostPort(topology.address(o.nodeId))
    if (address === null) throw new ShoalError('bad-request', `bad address for ${o.nodeId}`)
    this.#server = new RpcServer(o.clock, o.timers, o.logger, {
      host: address.host, port: address.port, clusterId: o.cluster.clusterId,
      nodeId: o.nodeId, handler: makeHandler(this.services),
      onInternalError: (error, method) => {
        o.logger.error('rpc handler failed', { method, error: String(error) })
        if (error instanceof Error && error.name === 'AssertionError') o.onFatal?.(error)
      },
    })
  }

  static async open(o: StorageNodeOptions): Promise<StorageNode> {
    await o.fs.mkdirp(o.dataDir)
    const holder: { sm: NodeStateMachine | null } = { sm: null }
    const retention = (key: Uint8Array): Retention => {
      if (isMetaKey(key)) return keepOne
      const tableId = tableIdOfKey(key)
      const table = tableId === undefined ? undefined : holder.sm?.catalog.byId(tableId)
      if (table === undefined) return unknownTable
      return table.ttlSeconds === null ? { maxVersions: table.maxVersions }
        : { maxVersions: table.maxVersions, ttlMs: table.ttlSeconds * 1000 }
    }
    const db = await Db.open({
      fs: o.fs, dir: joinPath(o.dataDir, 'lsm'), wal: false, retention, clock: o.clock,
      timers: o.timers, prng: o.prng.fork(), logger: o.logger,
      ...(o.memtableBytes === undefined ? {} : { memtableBytes: o.memtableBytes }),
    })
    const logDir = joinPath(o.dataDir, 'raftlog')
    await o.fs.mkdirp(logDir)
    let engine: RaftLogEngine
    try {
      engine = await RaftLogEngine.open(o.fs, logDir)
    } catch (error) {
      await db.close()
      throw error
    }
    const topology = new Topology(o.cluster)
    const sm = new NodeStateMachine(db, topology.catalogGroup)
    holder.sm = sm
    return new StorageNode(o, db, engine, sm)
  }

  get port(): number {
    return this.#port
  }

  get host(): MultiRaftHost<ApplyResult> {
    return this.#host
  }

  /** Listens, starts ticking and the periodic flush; the node then reports ready. */
  async start(): Promise<void> {
    const { port } = await this.#server.listen()
    this.#port = port
    this.#host.start()
    this.#flushTimer = this.#o.timers.every(this.#o.flushIntervalMs ?? 10_000, () => {
      void this.#flush()
    })
    this.#ready = true
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return
    this.#flushing = true
    try {
      await this.#db.flush()
    } catch (error) {
      this.#o.logger.error('lsm flush failed', { error: String(error) })
      this.#o.onFatal?.(error)
    } finally {
      this.#flushing = false
    }
  }

  #peer(peer: NodeId): RpcClient | undefined {
    let client = this.#peers.get(peer)
    if (client !== undefined) return client
    const topology = this.services.topology
    const peerId = topology.nodeIdOf(peer)
    if (peerId === null) return undefined
    const address = parseHostPort(topology.address(peerId))
    if (address === null) return undefined
    client = new RpcClient(this.#o.clock, this.#o.timers, this.#o.prng.fork(), this.#o.logger, {
      host: address.host, port: address.port, clusterId: this.#o.cluster.clusterId,
      nodeId: this.#o.nodeId, peerNodeId: peerId,
    })
    this.#peers.set(peer, client)
    return client
  }

  #sendRaft(peer: NodeId, msgs: Parameters<typeof encodeRaftBatch>[1]): void {
    this.#peer(peer)?.send(raftBatchMethod, encodeRaftBatch(this.#o.nodeId, msgs))
  }

  /** Clean shutdown: stop serving, finish the turn in flight, flush and close storage. */
  async close(): Promise<void> {
    this.#ready = false
    this.#flushTimer?.cancel()
    await this.#server.close()
    await this.#host.close()
    for (const client of this.#peers.values()) client.close()
    try {
      if (this.#host.failure === undefined) await this.#db.flush()
    } finally {
      await this.#engine.close()
      await this.#db.close()
    }
  }
}
