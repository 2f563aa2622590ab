/**
 * Builds the real backend and the objects around it from a cluster file: node pool, leader
 * cache, retry policy, group caller, coalescer and its shell, hot-key detector and cache, the
 * catalog client and the cluster watcher. Separate from main.ts so tests can build the same
 * graph against a cluster they started.
 */
import type { ClusterFile } from '../../shared/config/cluster-file.ts'
import { limits } from '../../shared/limits.ts'
import type { Logger } from '../../shared/log.ts'
import type { Prng } from '../../shared/random/prng.ts'
import type { Clock, Timers } from '../../shared/time/clock.ts'
import { HotCache, defaultHotCacheOptions } from '../cache/hot-cache.ts'
import { CoalescedReader } from '../coalescer/coalesced-reader.ts'
import {
  Coalescer,
  defaultCoalescerOptions,
  type CoalescerOptions,
} from '../coalescer/coalescer.ts'
import { HotKeyDetector, defaultHotKeyDetectorOptions } from '../hot-keys/detector.ts'
import { LeaderCache } from '../routing/leader-cache.ts'
import { RetryPolicy } from '../routing/retry-policy.ts'
import { ShardMap } from '../routing/shard-map.ts'
import { CatalogClient } from './catalog-client.ts'
import { ClusterBackend, readCoalescingKey, type FlightResult } from './cluster-backend.ts'
import { ClusterWatcher } from './cluster-watcher.ts'
import type { GetRequest } from './gateway-backend.ts'
import { GroupCaller } from './group-caller.ts'
import { HotPath } from './hot-path.ts'
import { NodePool } from './node-pool.ts'

export interface BuiltClusterBackend {
  readonly backend: ClusterBackend
  readonly hot: HotPath
  readonly coalescer: Coalescer
  readonly caller: GroupCaller
  readonly pool: NodePool
  readonly watcher: ClusterWatcher
  start(): void
  stop(): void
}

export function buildClusterBackend(
  clock: Clock,
  timers: Timers,
  prng: Prng,
  logger: Logger,
  options: { file: ClusterFile; gatewayId: string; coalescer?: Partial<CoalescerOptions> },
): BuiltClusterBackend {
  const map = ShardMap.fromClusterFile(options.file)
  const pool = new NodePool(clock, timers, prng.fork(), logger, {
    clusterId: options.file.clusterId,
    gatewayId: options.gatewayId,
    map,
  })
  const leaders = new LeaderCache()
  // Retries run until the request deadline: a leader election takes up to ~2 s.
  const policy = new RetryPolicy({
    attemptsMax: 64,
    backoffMsMin: limits.retryBackoffMsMin,
    backoffMsMax: limits.retryBackoffMsMax,
    attemptMsMin: limits.retryBackoffMsMin,
  })
  const caller = new GroupCaller(clock, timers, prng.fork(), { pool, leaders, map, policy })
  const coalescer = new Coalescer({ ...defaultCoalescerOptions, ...options.coalescer })
  const watcher = new ClusterWatcher(clock, timers, logger, {
    pool,
    leaders,
    map,
    intervalMs: 1_000,
    timeoutMs: 1_000,
  })
  const catalog = new CatalogClient(clock, {
    caller,
    map,
    timeoutMs: limits.gatewayDeadlineMsDefault,
  })
  const hot = new HotPath(clock, {
    detector: new HotKeyDetector(defaultHotKeyDetectorOptions),
    cache: new HotCache(defaultHotCacheOptions),
    options: { maxStalenessMsDefault: 100 },
  })
  let backend: ClusterBackend | null = null
  const reader = new CoalescedReader<GetRequest, FlightResult>(clock, timers, coalescer, {
    keyOf: readCoalescingKey,
    readBackend: (request, readOptions) => backend!.readOnce(request, readOptions),
  })
  backend = new ClusterBackend(clock, {
    caller,
    reader,
    catalog,
    watcher,
    hot,
    map,
    options: { backendTimeoutMs: limits.gatewayDeadlineMsDefault },
  })
  return {
    backend,
    hot,
    coalescer,
    caller,
    pool,
    watcher,
    start: () => watcher.start(),
    stop: () => {
      watcher.stop()
      pool.close()
    },
  }
}
