/**
 * The storage node process:
 *
 *   npx tsx storage/main.ts --config cluster.yaml --node n1 [--listen host:port]
 *     [--data-dir dir] [--log-level info] [--metrics-listen host:port]
 *
 * `--metrics-listen` (or SHOAL_METRICS_LISTEN) serves Prometheus text at GET /metrics on that
 * address (shared/metrics/node-metrics.ts) and prints `shoal-storage metrics node=<id>
 * port=<port>` (port 0 picks one); without it no metrics port is opened.
 * Environment overrides (flags win): SHOAL_CONFIG, SHOAL_NODE, SHOAL_LISTEN, SHOAL_DATA_DIR,
 * SHOAL_LOG_LEVEL, SHOAL_TICK_MS. A configuration problem prints one line per problem to
 * stderr and exits with code 2. Once serving, it prints `shoal-storage ready node=<id>
 * port=<port>` on stdout (and node.status reports ready). SIGTERM / SIGINT close cleanly
 * (stop ticks, close RPC, flush the LSM, close the log engine); a fatal storage error exits 1.
 * Tracing (OpenTelemetry, OTLP/HTTP) is on when the standard OTEL_* environment configures
 * trace export (shared/tracing/tracing.ts).
 */
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import {
  ConfigError,
  loadClusterFile,
  nodeDataDir,
  nodeEntry,
  parseHostPort,
} from '../shared/config/cluster-file.ts'
import { PinoLogger } from '../shared/logging/pino-logger.ts'
import { startMetricsServer, type MetricsServer } from '../shared/metrics/metrics-server.ts'
import { NodeMetrics } from '../shared/metrics/node-metrics.ts'
import { SeededPrng } from '../shared/random/prng.ts'
import { SystemClock, SystemTimers } from '../shared/time/clock.ts'
import { startTracing } from '../shared/tracing/tracing.ts'
import { resolveOptions } from './lsm/options.ts'
import { StorageNode, type StorageNodeOptions } from './node/storage-node.ts'
import { FaultFileSystem } from './vfs/fault-fs.ts'
import { NodeFileSystem } from './vfs/node-fs.ts'

function configError(problems: readonly string[]): never {
  for (const problem of problems) process.stderr.write(`config error: ${problem}\n`)
  process.exit(2)
}

type Flags = Record<string, string | undefined>

function flags(): Flags {
  try {
    return parseArgs({
      options: {
        config: { type: 'string' },
        node: { type: 'string' },
        listen: { type: 'string' },
        'data-dir': { type: 'string' },
        'log-level': { type: 'string' },
        'metrics-listen': { type: 'string' },
      },
      strict: true,
    }).values
  } catch (error) {
    configError([error instanceof Error ? error.message : String(error)])
  }
}

/** Test-only slow disk (chaos suite): SHOAL_TEST_FSYNC_DELAY_MS delays every async fs call. */
function slowDiskForTests(ms: number): NodeFileSystem | FaultFileSystem {
  if (!(ms > 0)) return new NodeFileSystem()
  const latency = { timers: new SystemTimers(), minMs: ms, maxMs: ms }
  return new FaultFileSystem(new NodeFileSystem(), { prng: new SeededPrng(1), latency })
}

function options(values: Flags, logger: PinoLogger): StorageNodeOptions {
  const env = process.env
  const configPath = values.config ?? env.SHOAL_CONFIG
  const nodeId = values.node ?? env.SHOAL_NODE
  if (configPath === undefined) configError(['--config (or SHOAL_CONFIG) is required'])
  if (nodeId === undefined) configError(['--node (or SHOAL_NODE) is required'])
  const cluster = loadClusterFile(configPath)
  const node = nodeEntry(cluster, nodeId)
  const listenText = values.listen ?? env.SHOAL_LISTEN ?? node.address
  const listen = parseHostPort(listenText)
  if (listen === null) configError([`bad listen address "${listenText}": expected host:port`])
  const tickText = env.SHOAL_TICK_MS
  const tickMs = tickText === undefined ? undefined : Number(tickText)
  if (tickMs !== undefined && !(Number.isInteger(tickMs) && tickMs >= 5 && tickMs <= 1000)) {
    configError([`SHOAL_TICK_MS must be an integer in [5, 1000], got "${tickText}"`])
  }
  const cacheText = env.SHOAL_BLOCK_CACHE_MIB
  const cacheMiB = cacheText === undefined ? undefined : Number(cacheText)
  if (cacheMiB !== undefined && !(Number.isInteger(cacheMiB) && cacheMiB >= 1)) {
    configError([`SHOAL_BLOCK_CACHE_MIB must be an integer >= 1, got "${cacheText}"`])
  }
  const retainText = env.SHOAL_LOG_RETAIN_ENTRIES
  const retain = retainText === undefined ? undefined : Number(retainText)
  if (retain !== undefined && !(Number.isInteger(retain) && retain >= 0)) {
    configError([`SHOAL_LOG_RETAIN_ENTRIES must be an integer >= 0, got "${retainText}"`])
  }
  return {
    cluster,
    nodeId,
    listen,
    ...(retain === undefined ? {} : { logRetainEntries: retain }),
    ...(cacheMiB === undefined ? {} : { blockCacheBytes: cacheMiB * 1024 * 1024 }),
    dataDir: values['data-dir'] ?? env.SHOAL_DATA_DIR ?? nodeDataDir(cluster, node),
    fs: slowDiskForTests(Number(env.SHOAL_TEST_FSYNC_DELAY_MS ?? 0)),
    clock: new SystemClock(),
    timers: new SystemTimers(),
    prng: new SeededPrng((Date.now() ^ process.pid) >>> 0),
    logger,
    ...(tickMs === undefined ? {} : { tickMs }),
  }
}

/** The node's /metrics server when --metrics-listen / SHOAL_METRICS_LISTEN is given. */
async function startNodeMetrics(
  values: Flags,
  node: StorageNode,
  nodeId: string,
  logger: PinoLogger,
): Promise<{ server: MetricsServer; stop: () => void } | null> {
  const text = values['metrics-listen'] ?? process.env.SHOAL_METRICS_LISTEN
  if (text === undefined) return null
  // Port 0 picks a free port (tests); the ready line below names it.
  const address = text.endsWith(':0') ? { host: text.slice(0, -2), port: 0 } : parseHostPort(text)
  if (address === null || address.host.length === 0) {
    configError([`bad metrics address "${text}": expected host:port`])
  }
  const lsm = resolveOptions({ fs: new NodeFileSystem(), dir: '' }) // the node's Db defaults
  const metrics = new NodeMetrics({
    nodeId,
    raftId: node.services.topology.raftId(nodeId),
    raftStats: node.host.stats,
    groups: () => node.host.groupIds(),
    groupStatus: (group) => node.host.status(group),
    lsmStats: () => node.services.db.stats(),
    raftLogStats: () => node.logStats(),
    lsmShape: lsm,
    rpcServer: node.rpcServer,
  })
  const sampler = new SystemTimers().every(250, () => metrics.sample())
  const server = await startMetricsServer({ ...address, render: () => metrics.render(), logger })
  logger.info('metrics listening', { url: `http://${address.host}:${server.port}/metrics` })
  process.stdout.write(`shoal-storage metrics node=${nodeId} port=${server.port}\n`)
  return { server, stop: () => sampler.cancel() }
}

async function main(): Promise<void> {
  const values = flags()
  const level = values['log-level'] ?? process.env.SHOAL_LOG_LEVEL ?? 'info'
  if (!Object.keys(pino.levels.values).includes(level)) {
    configError([`log level must be one of ${Object.keys(pino.levels.values).join(', ')}`])
  }
  const logger = PinoLogger.create({ name: 'shoal-storage', level })
  // OpenTelemetry: on only when OTEL_TRACES_EXPORTER / an OTLP endpoint is set.
  const tracing = startTracing({ serviceName: 'shoal-storage', env: process.env })
  let resolved: StorageNodeOptions
  try {
    resolved = options(values, logger)
  } catch (error) {
    if (error instanceof ConfigError) configError(error.problems)
    throw error
  }
  const fatal = (error: unknown): void => {
    logger.error('fatal storage error; exiting', { error: String(error) })
    process.exit(1)
  }
  const node = await StorageNode.open({ ...resolved, onFatal: fatal })
  await node.start()
  const metrics = await startNodeMetrics(values, node, resolved.nodeId, logger)
  logger.info('storage node ready', { node: resolved.nodeId, port: node.port })
  process.stdout.write(`shoal-storage ready node=${resolved.nodeId} port=${node.port}\n`)
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    logger.info('shutting down', { signal })
    metrics?.stop()
    void metrics?.server.close()
    node.close().then(
      () => {
        // Buffered spans are flushed first, for at most 2 s (an unreachable collector).
        setTimeout(() => process.exit(0), 2_000).unref()
        void tracing.shutdown().finally(() => process.exit(0))
      },
      (error: unknown) => fatal(error),
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

main().catch((error: unknown) => {
  process.stderr.write(`shoal-storage failed to start: ${String(error)}\n`)
  process.exit(1)
})
