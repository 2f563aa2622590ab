/**
 * The gateway's /metrics families, read from the `stats` objects the cores keep (STYLE.md R18):
 * nothing here counts anything itself except the request histogram (RequestMetrics). Every
 * counter only grows; gauges are read at scrape time.
 *
 * Coalescing ratio = shoal_client_reads_total / shoal_backend_reads_total (as a PromQL rate
 * ratio over any interval); cache hit ratio = hits / (hits + misses + too_stale).
 */
import type { RpcClientStats } from '../../shared/rpc/rpc-client-stats.ts'
import { single, type MetricFamily } from '../../shared/metrics/prometheus-text.ts'
import type { ClusterStatus } from '../backend/gateway-backend.ts'
import type { CoalescerStats } from '../coalescer/coalescer.ts'
import type { RequestMetrics } from './request-metrics.ts'

/** Everything /metrics reads; each field is a core's own stats (or a cheap read-only view). */
export interface GatewayMetricSources {
  readonly requests: RequestMetrics
  readonly coalescer: { readonly stats: Readonly<CoalescerStats> }
  readonly hotCache: {
    readonly stats: Readonly<Record<'hits' | 'misses' | 'tooStale' | 'stored', number>> &
      Readonly<Record<'refused' | 'invalidations' | 'evictions', number>>
    readonly sizeBytes: number
  }
  readonly detector: {
    readonly stats: Readonly<Record<'reads' | 'writes' | 'becameHot' | 'cooled', number>>
    readonly memoryBytes: number
  }
  /** Keys in the hot set now. */
  readonly hotKeyCount: () => number
  readonly caller: {
    readonly stats: Readonly<Record<'calls' | 'attempts' | 'notLeader', number>> &
      Readonly<Record<'retries' | 'unavailable', number>>
  }
  readonly pool: { clients(): ReadonlyMap<string, { readonly stats: RpcClientStats }> }
  readonly leaders: { readonly stats: Readonly<Record<'learned' | 'forgotten', number>> }
  readonly watcher: {
    readonly stats: Readonly<Record<'polls' | 'failures', number>>
    clusterStatus(): ClusterStatus
  }
}

function coalescerFamilies(stats: Readonly<CoalescerStats>): MetricFamily[] {
  return [
    single(
      'counter',
      'shoal_client_reads_total',
      'Reads asked of the coalescer.',
      stats.clientReads,
    ),
    single(
      'counter',
      'shoal_backend_reads_total',
      'Reads sent to storage (flights); client/backend is the coalescing ratio.',
      stats.backendReads,
    ),
    single(
      'counter',
      'shoal_coalescer_joined_total',
      'Eventual reads that joined a flight already sent.',
      stats.joined,
    ),
    single(
      'counter',
      'shoal_coalescer_waited_for_next_total',
      'Strong reads that waited for the next flight (they never join one already sent).',
      stats.waitedForNext,
    ),
    single('counter', 'shoal_coalescer_shed_total', 'Reads shed at a full key.', stats.shed),
    single('counter', 'shoal_coalescer_left_total', 'Waiters that left early.', stats.left),
    single('counter', 'shoal_coalescer_flights_total', 'Flights settled.', stats.flightsSettled),
    single(
      'counter',
      'shoal_coalescer_flights_failed_total',
      'Flights settled with an error.',
      stats.flightsFailed,
    ),
    single(
      'counter',
      'shoal_coalescer_fan_in_total',
      'Waiters settled by flights; divided by flights: the mean fan-in.',
      stats.waitersSettled,
    ),
    single('gauge', 'shoal_coalescer_fan_in_max', 'Largest fan-in of one flight.', stats.fanInMax),
    single(
      'counter',
      'shoal_coalescer_backend_seconds_total',
      'Time flights spent at storage.',
      stats.backendMsTotal / 1000,
    ),
  ]
}

function hotFamilies(sources: GatewayMetricSources): MetricFamily[] {
  const cache = sources.hotCache.stats
  return [
    single(
      'counter',
      'shoal_hot_cache_hits_total',
      'Eventual reads served by the cache.',
      cache.hits,
    ),
    single(
      'counter',
      'shoal_hot_cache_misses_total',
      'Cache lookups that found nothing.',
      cache.misses,
    ),
    single(
      'counter',
      'shoal_hot_cache_too_stale_total',
      'Cache lookups whose entry was older than the read allowed.',
      cache.tooStale,
    ),
    single('counter', 'shoal_hot_cache_stored_total', 'Entries stored.', cache.stored),
    single('counter', 'shoal_hot_cache_refused_total', 'Entries refused.', cache.refused),
    single(
      'counter',
      'shoal_hot_cache_invalidations_total',
      'Writes that invalidated.',
      cache.invalidations,
    ),
    single(
      'counter',
      'shoal_hot_cache_evictions_total',
      'Entries evicted for space.',
      cache.evictions,
    ),
    single(
      'gauge',
      'shoal_hot_cache_bytes',
      'Bytes held by the hot cache.',
      sources.hotCache.sizeBytes,
    ),
    single('gauge', 'shoal_hot_keys', 'Keys in the hot set.', sources.hotKeyCount()),
    {
      type: 'counter',
      name: 'shoal_hot_key_detector_requests_total',
      help: 'Requests counted by the hot-key detector, by kind.',
      samples: [
        { labels: { kind: 'read' }, value: sources.detector.stats.reads },
        { labels: { kind: 'write' }, value: sources.detector.stats.writes },
      ],
    },
    single(
      'counter',
      'shoal_hot_keys_became_hot_total',
      'Keys that became hot.',
      sources.detector.stats.becameHot,
    ),
    single(
      'counter',
      'shoal_hot_keys_cooled_total',
      'Keys that cooled.',
      sources.detector.stats.cooled,
    ),
    single(
      'gauge',
      'shoal_hot_key_detector_bytes',
      'Detector memory.',
      sources.detector.memoryBytes,
    ),
  ]
}

const rpcCounters: ReadonlyArray<[keyof RpcClientStats, string, string]> = [
  ['requests', 'shoal_rpc_requests_total', 'RPC requests sent, by node.'],
  ['responses', 'shoal_rpc_responses_total', 'RPC answers received in time, by node.'],
  ['remoteErrors', 'shoal_rpc_remote_errors_total', 'RPCs answered with an error, by node.'],
  ['deadlineExceeded', 'shoal_rpc_deadline_exceeded_total', 'RPCs past their deadline.'],
  ['aborted', 'shoal_rpc_aborted_total', 'RPCs aborted by their caller.'],
  ['unavailable', 'shoal_rpc_unavailable_total', 'RPCs failed for want of a connection.'],
  ['overloaded', 'shoal_rpc_overloaded_total', 'RPCs refused as overloaded.'],
  ['answersLate', 'shoal_rpc_answers_late_total', 'Answers after deadline or abort.'],
  ['connects', 'shoal_rpc_connects_total', 'Connection attempts, by node.'],
  ['connectionFailures', 'shoal_rpc_connection_failures_total', 'Connections lost or refused.'],
]

function rpcFamilies(sources: GatewayMetricSources): MetricFamily[] {
  const clients = [...sources.pool.clients()]
  const families: MetricFamily[] = rpcCounters.map(([field, name, help]) => ({
    type: 'counter',
    name,
    help,
    samples: clients.map(([node, client]) => ({ labels: { node }, value: client.stats[field] })),
  }))
  const caller = sources.caller.stats
  families.push(
    single('counter', 'shoal_group_calls_total', 'Calls to a shard group.', caller.calls),
    single(
      'counter',
      'shoal_group_call_attempts_total',
      'Attempts of group calls.',
      caller.attempts,
    ),
    single('counter', 'shoal_group_call_retries_total', 'Retries of group calls.', caller.retries),
    single('counter', 'shoal_group_not_leader_total', 'Not-leader answers.', caller.notLeader),
    single(
      'counter',
      'shoal_group_unavailable_total',
      'Group calls out of attempts.',
      caller.unavailable,
    ),
    single(
      'counter',
      'shoal_leader_cache_learned_total',
      'Leaders learned.',
      sources.leaders.stats.learned,
    ),
    single(
      'counter',
      'shoal_leader_cache_forgotten_total',
      'Leaders forgotten after a failure.',
      sources.leaders.stats.forgotten,
    ),
  )
  return families
}

function clusterFamilies(sources: GatewayMetricSources): MetricFamily[] {
  const status = sources.watcher.clusterStatus()
  return [
    single(
      'counter',
      'shoal_cluster_polls_total',
      'Node status polls.',
      sources.watcher.stats.polls,
    ),
    single(
      'counter',
      'shoal_cluster_poll_failures_total',
      'Node status polls that failed.',
      sources.watcher.stats.failures,
    ),
    {
      type: 'gauge',
      name: 'shoal_node_up',
      help: 'Whether the node answered its last status poll (1) or not (0).',
      samples: status.nodes.map((node) => ({
        labels: { node: node.id },
        value: node.healthy ? 1 : 0,
      })),
    },
    single(
      'gauge',
      'shoal_groups_without_leader',
      'Shard groups with no leader reported by a live node.',
      status.shards.filter((shard) => shard.leader === null).length,
    ),
  ]
}

export function gatewayMetricFamilies(sources: GatewayMetricSources): MetricFamily[] {
  return [
    ...sources.requests.families(),
    ...coalescerFamilies(sources.coalescer.stats),
    ...hotFamilies(sources),
    ...rpcFamilies(sources),
    ...clusterFamilies(sources),
  ]
}
