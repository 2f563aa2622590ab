/**
 * Metric families from the plain `stats` objects cores keep (STYLE.md R18), so a process turns
 * a core's counters into /metrics lines without a line of code per field: each numeric field
 * becomes `<prefix>_<field in snake_case>_total` (a counter) unless named as a gauge, in which
 * case it is `<prefix>_<field in snake_case>`. Map-valued fields (counts by a key) become one
 * family with a label. Meant for storage nodes, whose cores keep such objects:
 * `statsFamilies('shoal_raftlog', engine.stats)`; `rpcServerFamilies(server.stats)`.
 */
import { assert } from '../assert.ts'
import type { RpcServerStats } from '../rpc/rpc-server-stats.ts'
import type { Labels, MetricFamily } from './prometheus-text.ts'

/** `bytesWritten` -> `bytes_written`; `fanInMax` -> `fan_in_max`. */
export function snakeCase(name: string): string {
  assert(/^[a-zA-Z][a-zA-Z0-9]*$/.test(name), `a camelCase field name, got ${name}`)
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
}

export interface StatsFamiliesOptions {
  /** Fields that go up and down (sizes, depths): rendered as gauges without `_total`. */
  readonly gauges?: readonly string[]
  /** HELP text per field; a default names the field. */
  readonly help?: Readonly<Record<string, string>>
  /** Labels on every sample (e.g. `{ shard: '3' }`). */
  readonly labels?: Labels
  /** For Map fields: the label name for the map's keys (default `key`). */
  readonly mapLabel?: string
}

type StatsValue = number | ReadonlyMap<string | number, number>

/** One family per numeric or Map field of `stats`, in field order. Other fields are skipped. */
export function statsFamilies(
  prefix: string,
  stats: Readonly<Record<string, unknown>>,
  options: StatsFamiliesOptions = {},
): MetricFamily[] {
  const gauges = new Set(options.gauges ?? [])
  const labels = options.labels ?? {}
  const families: MetricFamily[] = []
  for (const [field, raw] of Object.entries(stats)) {
    if (typeof raw !== 'number' && !(raw instanceof Map)) continue
    const value = raw as StatsValue
    const gauge = gauges.has(field)
    const name = `${prefix}_${snakeCase(field)}${gauge ? '' : '_total'}`
    const help = options.help?.[field] ?? `${field} (from ${prefix} stats).`
    const samples =
      typeof value === 'number'
        ? [{ labels, value }]
        : [...value].map(([key, count]) => {
            assert(typeof count === 'number', `${prefix}.${field}: a map of numbers`)
            return { labels: { ...labels, [options.mapLabel ?? 'key']: String(key) }, value: count }
          })
    families.push({ type: gauge ? 'gauge' : 'counter', name, help, samples })
  }
  return families
}

const rpcServerHelp: Readonly<Record<keyof RpcServerStats, string>> = {
  connectionsAccepted: 'RPC connections accepted.',
  connectionsRefused: 'RPC connections closed for a bad frame or handshake.',
  requests: 'RPC requests received.',
  messages: 'One-way RPC messages received.',
  requestsExpired: 'Requests dropped: their deadline passed before their turn.',
  responsesLate: 'Answers dropped: the handler finished after the deadline.',
  errorsSent: 'Requests answered with an error.',
  handlerFailures: 'Handlers that threw something other than a ShoalError.',
  pauses: 'Times a connection stopped reading (backpressure).',
}

/** A storage node's RPC server counters as `shoal_rpc_server_*_total`. */
export function rpcServerFamilies(stats: Readonly<RpcServerStats>): MetricFamily[] {
  return statsFamilies('shoal_rpc_server', { ...stats }, { help: rpcServerHelp })
}
