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
 * restart replays. Every compactCheckMs, a group whose log holds more than logRetainEntries +
 * a compaction step below its applied index gets the LSM flushed (the applied index is then
 * durable) and its log compacted below (durable applied - logRetainEntries); the log engine's
 * GC then frees whole segments. A follower behind a compacted prefix gets a snapshot
 * (snapshots.ts). See recovery.md for the crash argument.
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
import { retentionData, tableRetention, tableRetentionModuleUrl } from './table-retention.ts'
import { MultiRaftHost } from '../multiraft/host.ts'
import { encodeRaftBatch, raftBatchMethod } from '../multiraft/wire.ts'
import { SnapshotIngest } from './snapshot-ingest.ts'
import { SnapshotService } from './snapshots.ts'
import { RaftLogEngine } from '../raftlog/log-engine.ts'
import type { RaftLogEngineOptions } from '../raftlog/log-engine.ts'
import type { NodeId } from '../raft/messages.ts'
import { NONE } from '../raft/messages.ts'
import type { FileSystem } from '../vfs/vfs.ts'
import { joinPath } from '../vfs/vfs.ts'
import { catalogReadIndexMethod, makeHandler } from './dispatch.ts'
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
  /** The LSM's decoded-block cache (default: 1/16 of RAM within 64 MiB..1 GiB;
   * SHOAL_BLOCK_CACHE_MIB in storage/main.ts). */
  readonly blockCacheBytes?: number
  /** Log entries kept below the durable applied index (default limits.storageLogRetainEntries;
   * SHOAL_LOG_RETAIN_ENTRIES in storage/main.ts). Small values make tests compact quickly. */
  readonly logRetainEntries?: number
  readonly compactCheckMs?: number
  readonly snapshotChunkBytes?: number
  /** Raft log engine sizes (tests use small segments to see GC). */
  readonly logEngine?: RaftLogEngineOptions
  /** Test seam: awaited after each snapshot chunk is stored (crash-during-ingest tests). */
  readonly onSnapshotChunkStored?: (group: number, offset: number) => Promise<void>
  /** Called when the node cannot go on (fsync failure, corruption): the process must exit. */
  readonly onFatal?: (error: unknown) => void
}

export class StorageNode {
  readonly services: NodeServices
  readonly #o: StorageNodeOptions
  readonly #db: Db
  readonly #engine: RaftLogEngine
  readonly #host: MultiRaftHost<ApplyResult>
  readonly #server: RpcServer
  readonly #peers = new Map<NodeId, RpcClient>()
  readonly snapshots: SnapshotService
  #port = 0
  #flushTimer: TimerHandle | null = null
  #compactTimer: TimerHandle | null = null
  #flushing = false
  #compacting = false
  #ready = false

  private constructor(o: StorageNodeOptions, db: Db, engine: RaftLogEngine,
    sm: NodeStateMachine, partial: readonly number[]) {
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
        awaitingSnapshot: partial.includes(group),
      })),
      engine, stateMachine: sm, clock: o.clock, timers: o.timers, prng: o.prng.fork(),
      logger: o.logger, tickMs, electionTicks: o.electionTicks ?? 10, readMode: 'lease',
      transport: { send: (peer, msgs) => this.#sendRaft(peer, msgs) },
      onFatal: (error) => o.onFatal?.(error),
      snapshots: { send: (group, to) => this.snapshots.send(group, to) },
      leaderPreference: (o.cluster.leaderPreference ?? []).map((id) => topology.raftId(id)),
    })
    this.snapshots = new SnapshotService({
      nodeId: o.nodeId, db, host: this.#host, stateMachine: sm, topology, clock: o.clock,
      timers: o.timers, logger: o.logger, partial,
      ...(o.snapshotChunkBytes === undefined ? {} : { chunkBytes: o.snapshotChunkBytes }),
      ...(o.onSnapshotChunkStored === undefined ? {}
        : { onChunkStored: o.onSnapshotChunkStored }),
      call: async (peer, method, body, deadlineMs) => {
        const client = this.#peer(peer)
        if (client === undefined) throw new ShoalError('not-found', `no address for ${peer}`)
        return client.request(method, body, { deadlineMs })
      },
      notify: (peer, method, body) => {
        this.#peer(peer)?.send(method, body)
      },
    })
    const hlc = new HybridLogicalClock({ remoteAheadMsMax: limits.hlcRemoteAheadMsMax })
    this.services = {
      nodeId: o.nodeId, host: this.#host, db, stateMachine: sm, topology, clock: o.clock,
      nextTimestamp: () => {
        // Never below a timestamp this replica applied (see highestTimestampMs), unless that
        // one is implausibly far ahead of the wall clock (a caller-supplied future date).
        const wallMs = o.clock.wallMs()
        const applied = sm.highestTimestampMs
        const floor = applied - wallMs <= limits.hlcRemoteAheadMsMax ? applied : 0
        return decodeHlc(hlc.now(Math.max(wallMs, floor))).wallMs
      },
      ready: () => this.#ready,
      snapshots: this.snapshots,
      catalogReadIndex: (deadlineMs) => this.#catalogReadIndex(deadlineMs),
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
    const retention = tableRetention((tableId) => holder.sm?.catalog.byId(tableId))
    const portableRetention = {
      moduleUrl: tableRetentionModuleUrl,
      data: () => retentionData(holder.sm?.catalog.list() ?? []),
    }
    const db = await Db.open({
      fs: o.fs, dir: joinPath(o.dataDir, 'lsm'), wal: false, retention, portableRetention,
      clock: o.clock,
      timers: o.timers, prng: o.prng.fork(), logger: o.logger,
      backgroundNice: limits.storageLsmBackgroundNice,
      ...(o.memtableBytes === undefined ? {} : { memtableBytes: o.memtableBytes }),
      ...(o.blockCacheBytes === undefined ? {} : { blockCacheBytes: o.blockCacheBytes }),
    })
    // The LSM's flush and merge workers load while the node starts (a failure to start also
    // fails the first flush, which stops the node).
    db.backgroundReady().catch((error: unknown) => {
      o.logger.error('lsm background workers did not start', { error: String(error) })
    })
    const logDir = joinPath(o.dataDir, 'raftlog')
    await o.fs.mkdirp(logDir)
    let engine: RaftLogEngine
    try {
      engine = await RaftLogEngine.open(o.fs, logDir, o.logEngine)
    } catch (error) {
      await db.close()
      throw error
    }
    const topology = new Topology(o.cluster)
    const sm = new NodeStateMachine(db, topology.catalogGroup)
    holder.sm = sm
    const partial: number[] = []
    try {
      for (const group of topology.groupsOf(o.nodeId)) {
        if (SnapshotIngest.isPartial(db, group)) partial.push(group)
        await StorageNode.#alignLog(db, engine, group)
      }
    } catch (error) {
      await engine.close()
      await db.close()
      throw error
    }
    return new StorageNode(o, db, engine, sm, partial)
  }

  /**
   * A snapshot ingest flushes the LSM before the Raft log records the snapshot; a crash in
   * between leaves the LSM at the snapshot's index with a log that lacks it. Record it now.
   */
  static async #alignLog(db: Db, engine: RaftLogEngine, group: number): Promise<void> {
    const installed = SnapshotIngest.installed(db, group)
    if (installed === undefined) return
    const { index, term } = installed
    if (index <= engine.firstIndex(group) - 1 || engine.term(group, index) === term) return
    await engine.append([{ shardId: group, snapshot: { index, term } }])
  }

  get port(): number {
    return this.#port
  }

  get host(): MultiRaftHost<ApplyResult> {
    return this.#host
  }

  /** The RPC server, for its stats on /metrics (storage/main.ts). */
  get rpcServer(): RpcServer {
    return this.#server
  }

  /** The first index still in a group's Raft log (it moves up with compaction). */
  logFirstIndex(group: number): number {
    return this.#engine.firstIndex(group)
  }

  /** The Raft log engine's counters (batches, syncs, segments created and deleted). */
  logStats(): RaftLogEngine['stats'] {
    return this.#engine.stats
  }

  /** Listens, starts ticking and the periodic flush; the node then reports ready. */
  async start(): Promise<void> {
    const { port } = await this.#server.listen()
    this.#port = port
    this.#host.start()
    this.#flushTimer = this.#o.timers.every(this.#o.flushIntervalMs ?? 10_000, () => {
      void this.#flush()
    })
    this.#compactTimer = this.#o.timers.every(
      this.#o.compactCheckMs ?? limits.storageLogCompactCheckMs, () => {
        void this.#compactLogs()
      })
    this.snapshots.start()
    this.#ready = true
  }

  /** Groups whose log holds a compaction step beyond the retention, with their target. */
  #compactionTargets(): Array<{ group: number; through: number }> {
    const retain = this.#o.logRetainEntries ?? limits.storageLogRetainEntries
    const step = Math.max(1, Math.min(limits.storageLogCompactStepEntries, retain))
    const out: Array<{ group: number; through: number }> = []
    for (const group of this.#host.groupIds()) {
      const through = this.#host.appliedIndex(group) - retain
      if (through - (this.#engine.firstIndex(group) - 1) >= step) out.push({ group, through })
    }
    return out
  }

  /** Flushes the LSM (applied indexes durable), then compacts the logs that need it. */
  async #compactLogs(): Promise<void> {
    if (this.#compacting || this.#host.failure !== undefined) return
    const targets = this.#compactionTargets()
    if (targets.length === 0) return
    this.#compacting = true
    try {
      await this.#db.flush()
      for (const { group, through } of targets) {
        try {
          await this.#host.compactLog(group, through)
        } catch (error) {
          // A snapshot install replaced the log meanwhile: the next round retries.
          if (this.#engine.failure !== undefined) throw error
          this.#o.logger.warn('log compaction skipped', { group, error: String(error) })
        }
      }
    } catch (error) {
      this.#o.logger.error('log compaction failed', { error: String(error) })
      this.#o.onFatal?.(error)
    } finally {
      this.#compacting = false
    }
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

  /** The catalog leader's ReadIndex: local when this node leads the catalog, else over RPC. */
  async #catalogReadIndex(deadlineMs: number): Promise<number> {
    const point = await this.#host.readIndex(this.services.topology.catalogGroup, deadlineMs)
    if (point.kind === 'ready') return point.appliedIndex
    const client = point.leader === NONE ? undefined : this.#peer(point.leader)
    if (client === undefined) throw new ShoalError('shard-unavailable', 'no catalog leader')
    const answer = (await client.request(catalogReadIndexMethod, {}, { deadlineMs })) as {
      kind?: unknown; index?: unknown }
    if (answer.kind !== 'ok' || typeof answer.index !== 'number') {
      throw new ShoalError('shard-unavailable', 'the catalog leader moved')
    }
    return answer.index
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
    this.#compactTimer?.cancel()
    this.snapshots.close()
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
