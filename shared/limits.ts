/**
 * Every limit in one table (STYLE.md R4): name with the unit last, the default, and why.
 * A limit of zero never means "unlimited". Exceeding a limit is a typed ShoalError.
 * Each area keeps its own section; add entries to your section only.
 */

export const KiB = 1024
export const MiB = 1024 * KiB
export const GiB = 1024 * MiB

export const limits = {
  // --- keys and values (shared by gateway and storage) ---
  keyBytesMax: 4 * KiB, // LSM user keys; gateway item keys are smaller (see gateway section)
  valueBytesMax: 2 * GiB - 1, // through the value log in chunks
  valueInlineBytesMax: 4 * KiB, // at or above this a value goes to the value log (WiscKey)

  // --- lsm ---
  lsmValueBytesMax: 64 * MiB, // one value in one WAL record and one buffer; larger: putStream
  lsmBatchBytesMax: 256 * MiB, // one write batch is one WAL record (u32 length)
  lsmMemtableBytesDefault: 64 * MiB, // LevelDB/RocksDB-sized write buffer
  lsmBlockBytesDefault: 4 * KiB, // data block target; one page
  lsmBlockCacheBytesDefault: 64 * MiB, // decoded blocks kept in memory: the smallest default
  lsmBlockCacheBytesDefaultMax: 1 * GiB, // the largest default (1/16 of RAM in between)
  lsmTargetFileBytesDefault: 8 * MiB, // compaction output split size
  lsmLevelBaseBytesDefault: 64 * MiB, // L1 target size; each deeper level is 10x
  lsmLevelsMax: 7, // L0..L6 as in LevelDB
  lsmImmutableMemtablesMax: 4, // writes stop when this many memtables wait for flush
  lsmManifestBytesMax: 64 * MiB, // a manifest larger than this is rewritten as a snapshot
  lsmValueLogFileBytesDefault: 64 * MiB, // write-time value log per memtable; GC unit
  lsmValueLogSyncBytes: 1 * MiB, // background fdatasync of the value log after this many bytes
  lsmValueChunkBytes: 4 * MiB, // one record of a streamed (chunked) value; the read buffer
  lsmSlabBytes: 8 * KiB, // shared buffer small copies are carved from (as Node's Buffer pool)
  lsmSlabCopyBytesMax: 1 * KiB, // larger copies get their own buffer: a slab pins at most 8x
  lsmReadAheadBytes: 64 * KiB, // a block-cache miss reads following blocks while the cache has room

  // --- raft ---
  raftMsgBytesMax: 1 * MiB, // entries per append message; bounds one frame and one fsync batch
  raftInflightMsgsMax: 256, // pipeline window per follower; enough to cover a WAN RTT at 1 MiB
  raftInflightBytesMax: 32 * MiB, // bytes in flight per follower; bounds leader memory per peer
  raftCommittedBytesPerReadyMax: 4 * MiB, // entries handed to apply per Ready; bounds apply pauses
  raftPendingReadsMax: 4096, // ReadIndex requests waiting on a heartbeat quorum per group
  raftProposalsPerMsgMax: 4096, // entries in one propose call or forwarded proposal message
  raftUncommittedEntriesMax: 65_536, // a leader cut off from its quorum stops accepting here

  // --- rpc / protocol ---
  // shared/protocol/frame.ts and shared/rpc/*; each is the default of a configurable option.
  frameBytesMax: 16 * MiB + 64 * KiB, // one 16 MiB value chunk or raft batch plus its envelope
  rpcInFlightPerConnectionMax: 256, // server: handlers running at once on one connection
  rpcReadAheadBytesPerConnectionMax: 1 * MiB, // server: frames read while all slots are busy
  rpcPendingPerConnectionMax: 4096, // client: requests awaiting answers; beyond: overloaded
  rpcQueuedBytesPerConnectionMax: 64 * MiB, // client: unsent bytes while the socket drains
  rpcHandshakeMsMax: 2000, // connect + hello/welcome; a loopback or LAN peer answers in < 10 ms
  rpcReconnectBackoffMsMin: 20, // first retry after a lost connection: quick for a restart
  rpcReconnectBackoffMsMax: 2000, // cap: a dead peer costs one connect attempt per ~2 s
  rpcCloseGraceMs: 1000, // after refusing a peer, wait this long for its FIN, then destroy
  rpcConnectionsMax: 4096, // server: gateways + peer nodes, with room for reconnect overlap

  // --- raft log engine (storage/raftlog) ---
  raftLogSegmentBytesTarget: 64 * MiB, // rotate past this; GC frees whole segments at a time
  raftLogRecordBytesMax: 16 * MiB + 64 * KiB, // one record: the largest raft batch (a frame)
  raftLogWriteBytesMax: 64 * MiB, // one append() call's records; larger is a caller bug
  raftLogBatchBytesMax: 4 * MiB, // group commit cuts a batch here: bounds one write+fsync pause
  raftLogQueuedWritesMax: 65_536, // writes waiting for the next batch; beyond: overloaded
  raftLogClosedSegmentsMax: 4, // past this, shards pinning the oldest segment are rewritten
  raftLogShardsMax: 65_536, // shard replicas one node's log tracks (1024 shards x 3 is typical)
  // Recent entries kept in memory per shard so apply needs no read-back (raftlog/recent-entries):
  // a few turns of a busy shard; a node with 1024 busy shards holds at most 256 MiB.
  raftLogRecentEntriesMax: 1024,
  raftLogRecentBytesMax: 256 * KiB,

  // --- storage node ---
  storageLogRetainEntries: 10_000, // kept below the durable applied index for lagging followers
  storageLogCompactStepEntries: 10_000, // compact once this many more entries are compactable
  storageLogCompactCheckMs: 1_000, // how often a node checks whether a group's log needs it
  // Nice value of the LSM's flush and compaction threads (Linux): requests run first on a busy
  // machine. Cluster bench, puts at 64: p99 28-29 ms at 0, 22-24 ms at 5 (README, Performance).
  storageLsmBackgroundNice: 5,
  storageSnapshotChunkBytes: 1 * MiB, // one install-snapshot RPC body; bounds memory per stream
  storageSnapshotIdleMsMax: 10_000, // an ingest with no chunk for this long is abandoned
  storageSnapshotRequestMs: 1_000, // a replica awaiting a snapshot asks its leader this often

  // --- gateway ---
  // HTTP edge (gateway/app.ts and its middleware); each is the default of a configurable option.
  gatewayValueBytesMax: 1 * MiB, // one request body; larger values belong to bulk load
  gatewayJsonBodyBytesMax: 1 * MiB, // table settings and multi-get bodies
  gatewayContentTypeBytesMax: 256, // stored beside each value (RPC Item.contentType bound)
  gatewayMultiGetKeysMax: 1000, // the RPC MultiGetRequest bound
  gatewayScanLimitMax: 1000, // the RPC ScanRequest bound
  gatewayScanLimitDefault: 100, // one page when the caller does not ask
  gatewayVersionsLimitMax: 1000, // the RPC VersionsRequest bound
  gatewayVersionsLimitDefault: 100, // one page when the caller does not ask
  gatewayDeadlineMsDefault: 5_000, // a request without X-Shoal-Timeout-Ms
  gatewayDeadlineMsMax: 60_000, // a caller cannot pin gateway resources longer than this
  gatewayHotKeysWindowMsMax: 3_600_000, // hot-key windows are minutes, not hours
  gatewayHotKeysLimitMax: 1000, // one response, bounded
  gatewayRateLimitPerSecDefault: 1_000, // per API key, refill rate of its token bucket
  gatewayRateLimitBurstDefault: 2_000, // per API key, bucket size
  gatewayApiKeysMax: 10_000, // configured keys; one bucket each, so memory is bounded
  gatewayHeaderBytesMax: 16 * KiB, // Node's maxHeaderSize: past it, 431 before any handler
  gatewayHeadersTimeoutMs: 10_000, // slowloris: the whole header block within this
  gatewayRequestTimeoutMs: 30_000, // a slow body cannot hold a socket longer than this
  gatewayKeepAliveTimeoutMs: 5_000, // idle keep-alive sockets are closed after this
  gatewayRequestsPerSocketMax: 10_000, // a pipelining client is re-balanced eventually
  gatewayConnectionsMax: 10_000, // sockets at once; each holds buffers and a parser
  // Observability (gateway/metrics, gateway/dashboard).
  gatewayMetricSeriesMax: 2_000, // latency label sets; ~20 routes x 7 methods x 5 classes x 3
  dashboardConnectionsMax: 16, // SSE viewers at once; each costs a 1 s JSON frame (~10 KiB)
  dashboardHistorySeconds: 60, // sparkline length: one sample per second for the last minute
  dashboardTopKeys: 10, // hot keys listed (and sparklines kept) per frame
  requestIdCharsMax: 128, // X-Request-Id kept from a client: a UUID or a trace id fits; log-safe
  metricsServerConnectionsMax: 16, // a node's /metrics sockets: scrapers, not clients
  // Pure cores: item keys (shared/keys), coalescer, hot keys, hot cache, retry policy, HLC.
  tableNameBytesMax: 128, // ^[a-zA-Z0-9_.-]{1,128}$: a name, not data; fits a path segment
  partitionKeyBytesMax: 1 * KiB, // escaped worst case 2 KiB; encoded item key stays < keyBytesMax
  sortKeyBytesMax: 1 * KiB, // Mussel-style sort keys are short; the encoded key must fit 4 KiB
  waitersPerKeyMax: 10_000, // one hot key at 256 clients x 40 req each; beyond: shed with 503
  coalescerKeysMax: 100_000, // keys with a flight at once; ~200 B each -> ~20 MiB worst case
  coalescerShedRetryAfterMs: 1_000, // Retry-After for a shed read: HTTP's unit is whole seconds
  hotKeySketchBytesMax: 64 * KiB, // all Count-Min rows + top-k slots of the detector, measured
  hotKeysTrackedMax: 1_024, // hot set with first-hot-at; keys beyond the top are not listed
  hotCacheBytesMax: 64 * MiB, // values of hot keys only; eventual reads, maxStalenessMs bounded
  hotCacheEntryBytesMax: 1 * MiB, // a larger value is not cached: one entry must not evict all
  retryAttemptsMax: 5, // with 2x backoff from 5 ms: ~155 ms of waiting, inside a 1 s deadline
  retryBackoffMsMin: 5, // about two backend round trips on loopback
  retryBackoffMsMax: 200, // cap so a retry still fits a typical 1 s request deadline
  hlcRemoteAheadMsMax: 60_000, // a remote HLC this far ahead of our wall clock is refused
} as const satisfies Record<string, number>
