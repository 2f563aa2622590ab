/**
 * Builds the real backend and the objects around it from a cluster file: node pool, leader
 * cache, retry policy, group caller, coalescer and its shell, hot-key detector and cache, the
 * catalog client and the cluster watcher. Separate from main.ts so tests can build the same
 * graph against a cluster they started.
 */
import { AbortLatch, type AbortLike } from '../../shared/abort/abort-latch.ts'
import type { ClusterFile } from '../../shared/config/cluster-file.ts'
import { limits } from '../../shared/limits.ts'
import type { Logger } from '../../shared/log.ts'
import type { Prng } from '../../shared/random/prng.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { Clock, Timers } from '../../shared/time/clock.ts'
import { HotCache, defaultHotCacheOptions } from '../cache/hot-cache.ts'
import {
  CoalescedReader,
  cleanError,
  type CoalescedRead,
  type JoinOptions,
  type ReadSink,
  type ReadTicket,
} from '../coalescer/coalesced-reader.ts'
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
import { ClusterBackend, memoizedReadCoalescingKey, type FlightResult } from './cluster-backend.ts'
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
  readonly leaders: LeaderCache
  readonly watcher: ClusterWatcher
  start(): void
  stop(): void
}

/** Shard map, node pool, leader cache and the group caller with its retry policy. */
function buildRouting(
  clock: Clock,
  timers: Timers,
  prng: Prng,
  logger: Logger,
  options: { file: ClusterFile; gatewayId: string },
): { map: ShardMap; pool: NodePool; leaders: LeaderCache; caller: GroupCaller } {
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
  return { map, pool, leaders, caller }
}

export function buildClusterBackend(
  clock: Clock,
  timers: Timers,
  prng: Prng,
  logger: Logger,
  options: {
    file: ClusterFile
    gatewayId: string
    coalescer?: Partial<CoalescerOptions>
    /** false: every read is its own backend read and the hot cache admits nothing (the
     * benchmarks' baseline, SHOAL_COALESCING=off). Default true. */
    coalescing?: boolean
  },
): BuiltClusterBackend {
  const coalescing = options.coalescing ?? true
  const { map, pool, leaders, caller } = buildRouting(clock, timers, prng, logger, options)
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
    // Coalescing off: an entry limit of 1 byte refuses every item, so nothing is cached.
    cache: new HotCache(
      coalescing ? defaultHotCacheOptions : { ...defaultHotCacheOptions, entryBytesMax: 1 },
    ),
    options: { maxStalenessMsDefault: 100, cacheWarmEventual: true },
  })
  let backend: ClusterBackend | null = null
  const Reader = coalescing ? CoalescedReader : UncoalescedReader
  const reader = new Reader<GetRequest, FlightResult>(clock, timers, coalescer, {
    keyOf: memoizedReadCoalescingKey(),
    readBackend: (request, readOptions) => backend!.readOnce(request, readOptions),
    afterIoBatch: (run) => setImmediate(run),
    flightCycleMsMin: options.file.gateway.flightCycleMsMin,
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
    leaders,
    watcher,
    start: () => watcher.start(),
    stop: () => {
      watcher.stop()
      pool.close()
    },
  }
}

/**
 * Coalescing off: each read runs its own backend read (role 'leader', fan-in 1) with its own
 * deadline timer. For benchmarks and peer comparisons only.
 */
export class UncoalescedReader<R, V> extends CoalescedReader<R, V> {
  readonly #clock: Clock
  readonly #timers: Timers
  readonly #readBackend: (request: R, options: { signal: AbortLike }) => Promise<V>

  constructor(
    clock: Clock,
    timers: Timers,
    coalescer: Coalescer,
    options: ConstructorParameters<typeof CoalescedReader<R, V>>[3],
  ) {
    super(clock, timers, coalescer, options)
    this.#clock = clock
    this.#timers = timers
    this.#readBackend = options.readBackend
  }

  override join(request: R, options: JoinOptions, sink: ReadSink<V>): ReadTicket | null {
    const departedAtMs = this.#clock.monotonicMs()
    if (options.deadlineMs <= departedAtMs) {
      sink.readSettled(new ShoalError('deadline-exceeded', 'the deadline had passed'), null)
      return null
    }
    const controller = new AbortLatch()
    let finished = false
    const finish = (error: ShoalError | null, read: CoalescedRead<V> | null): void => {
      if (finished) return
      finished = true
      timer.cancel()
      if (error !== null) controller.abort(error)
      sink.readSettled(error, read)
    }
    const timer = this.#timers.after(options.deadlineMs - departedAtMs, () =>
      finish(
        options.deadlineError?.() ??
          new ShoalError('deadline-exceeded', 'the read deadline passed'),
        null,
      ),
    )
    let pending: Promise<V>
    try {
      pending = this.#readBackend(request, { signal: controller.signal })
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (value) => finish(null, { value, role: 'leader', fanIn: 1, departedAtMs }),
      (error: unknown) => finish(cleanError(error), null),
    )
    return { leave: (error) => finish(error, null) }
  }
}
