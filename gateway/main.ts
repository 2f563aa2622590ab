/**
 * The gateway process: `tsx gateway/main.ts --config cluster.yaml [--port N] [--host H]`.
 * Composition root: reads the cluster file, flags and environment, builds every dependency
 * (clock, PRNG, logger, RPC pool, routing, coalescer, hot keys, cache), serves the Hono app on
 * @hono/node-server, and shuts down cleanly on SIGINT/SIGTERM. Nothing else lives here.
 *
 * Exit codes: 0 after a clean shutdown, 2 for a configuration error, 1 otherwise.
 */
import { parseArgs } from 'node:util'
import {
  ConfigError,
  loadClusterFile,
  parseHostPort,
  type ClusterFile,
} from '../shared/config/cluster-file.ts'
import { PinoLogger } from '../shared/logging/pino-logger.ts'
import { SeededPrng } from '../shared/random/prng.ts'
import { SystemClock, SystemTimers } from '../shared/time/clock.ts'
import { startTracing } from '../shared/tracing/tracing.ts'
import { buildApp } from './app.ts'
import { ItemReadFastPath } from './fast-path/item-read.ts'
import { serveGateway, type GatewayServer } from './edge/serve-gateway.ts'
import { newErrorStats } from './http-errors.ts'
import { defaultEdgeLimits } from './middleware/edge-env.ts'
import { buildClusterBackend } from './backend/build-cluster-backend.ts'
import { clusterObservability } from './metrics/observability.ts'
import { TracedBackend } from './metrics/traced-backend.ts'
import { checkAuthAllowedOff, type ApiKeyConfig, type AuthConfig } from './middleware/auth.ts'

function parseFlags(argv: string[]): { config: string; port: number | null; host: string | null } {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
    },
    strict: true,
  })
  const config = values.config ?? process.env['SHOAL_CONFIG']
  if (config === undefined) throw new ConfigError(['--config <cluster.yaml> is required'])
  const portText = values.port ?? process.env['SHOAL_PORT']
  const port = portText === undefined ? null : Number(portText)
  if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    throw new ConfigError([`--port must be 1-65535, got ${portText}`])
  }
  return { config, port, host: values.host ?? null }
}

/** The cluster file's auth section as the middleware's config (absent options left out). */
function authConfigOf(auth: ClusterFile['gateway']['auth']): AuthConfig {
  if (!auth.enabled) return { enabled: false }
  const keys = auth.keys.map((key): ApiKeyConfig => ({
    id: key.id,
    sha256Hex: key.sha256Hex,
    grants: key.grants,
    ...(key.revoked === undefined ? {} : { revoked: key.revoked }),
    ...(key.ratePerSec === undefined ? {} : { ratePerSec: key.ratePerSec }),
    ...(key.burst === undefined ? {} : { burst: key.burst }),
  }))
  return { enabled: true, keys }
}

/** Environment switches for tests and benchmarks only; each is logged loudly when set. */
function testAndBenchModes(logger: PinoLogger): {
  plantedBug: string | undefined
  coalescingEnv: 'on' | 'off'
  rawEdge: boolean
} {
  // Test-only: SHOAL_PLANTED_BUG=join-any-in-flight lets strong reads join any flight, the bug
  // the chaos suite must catch. Never set in production; the start-up log says so loudly.
  const plantedBug = process.env['SHOAL_PLANTED_BUG']
  if (plantedBug !== undefined && plantedBug !== 'join-any-in-flight') {
    throw new ConfigError([`unknown SHOAL_PLANTED_BUG ${plantedBug}`])
  }
  if (plantedBug !== undefined) logger.error('PLANTED BUG ACTIVE (tests only)', { plantedBug })
  // Benchmarks only: SHOAL_COALESCING=off sends every read to the backend (no flights, no
  // hot cache), the baseline the load tests compare coalescing against.
  const coalescingEnv = process.env['SHOAL_COALESCING'] ?? 'on'
  if (coalescingEnv !== 'on' && coalescingEnv !== 'off') {
    throw new ConfigError([`SHOAL_COALESCING must be on or off, got ${coalescingEnv}`])
  }
  if (coalescingEnv === 'off') logger.warn('coalescing is OFF (SHOAL_COALESCING=off)')
  // SHOAL_EDGE=node: every connection through node:http (the raw edge off), for comparisons.
  const edgeEnv = process.env['SHOAL_EDGE'] ?? 'raw'
  if (edgeEnv !== 'raw' && edgeEnv !== 'node') {
    throw new ConfigError([`SHOAL_EDGE must be raw or node, got ${edgeEnv}`])
  }
  return { plantedBug, coalescingEnv, rawEdge: edgeEnv === 'raw' }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2))
  const file = loadClusterFile(flags.config)
  const address = parseHostPort(file.gateway.address)
  if (address === null) throw new ConfigError([`bad gateway address ${file.gateway.address}`])
  const host = flags.host ?? address.host
  const port = flags.port ?? address.port
  const auth = authConfigOf(file.gateway.auth)
  try {
    checkAuthAllowedOff(host, auth)
  } catch (error) {
    throw new ConfigError([error instanceof Error ? error.message : String(error)])
  }
  const logger = PinoLogger.create({
    name: 'gateway',
    level: process.env['SHOAL_LOG_LEVEL'] ?? 'info',
  })
  // OpenTelemetry: on only when OTEL_TRACES_EXPORTER / an OTLP endpoint is set (tracing.ts).
  const tracing = startTracing({ serviceName: 'shoal-gateway', env: process.env })
  if (tracing.enabled) logger.info('tracing on (OpenTelemetry, OTEL_* environment)')
  const clock = new SystemClock()
  const timers = new SystemTimers()
  const prng = new SeededPrng(Date.now())
  const { plantedBug, coalescingEnv, rawEdge } = testAndBenchModes(logger)
  const cluster = buildClusterBackend(clock, timers, prng, logger, {
    file,
    gatewayId: `gw-${process.pid}`,
    coalescing: coalescingEnv === 'on',
    ...(plantedBug === undefined ? {} : { coalescer: { joinAnyInFlight: true } }),
  })
  const observability = clusterObservability(clock, timers, cluster)
  const errorStats = newErrorStats()
  const app = buildApp({
    errorStats,
    backend: tracing.enabled ? new TracedBackend(cluster.backend) : cluster.backend,
    hotKeys: cluster.hot,
    clock,
    timers,
    logger,
    auth,
    observability,
    tracing: tracing.enabled,
  })
  if (!auth.enabled)
    logger.warn('auth is OFF: allowed only because the gateway listens on loopback', { host })
  const fastPath = new ItemReadFastPath({
    ...{ backend: cluster.backend, hot: cluster.hot, clock, timers, logger, errorStats },
    ...{ limits: defaultEdgeLimits, metrics: observability.requests },
    ...{ authEnabled: auth.enabled, tracing: tracing.enabled },
  })
  const server = await serveGateway({
    ...{ fetch: app.fetch, host, port, fastPath, rawEdge },
    wallMs: () => clock.wallMs(),
  })
  if (server.edge === null) logger.info('raw edge off: every connection goes through node:http')
  cluster.start()
  observability.start()
  logger.info('gateway listening', { url: `http://${host}:${port}`, nodes: file.nodes.length })
  stopOnSignals({ logger, observability, cluster, tracing, timers, server })
}

/** SIGINT/SIGTERM: stop the background work, flush spans, close the server, exit 0. */
function stopOnSignals(parts: {
  logger: PinoLogger
  observability: { stop(): void }
  cluster: { stop(): void }
  tracing: { shutdown(): Promise<unknown> }
  timers: SystemTimers
  server: GatewayServer
}): void {
  const { logger, observability, cluster, tracing, timers, server } = parts
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info('gateway stopping', { signal })
    observability.stop()
    cluster.stop()
    // Buffered spans are flushed first, for at most 2 s (an unreachable collector).
    const exit = (): void => {
      timers.after(2_000, () => process.exit(0))
      void tracing.shutdown().finally(() => process.exit(0))
    }
    server.close(exit)
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`gateway: ${problem}\n`)
    process.exit(2)
  }
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'EADDRINUSE') {
    process.stderr.write(`gateway: the address is already in use\n`)
    process.exit(2)
  }
  process.stderr.write(
    `gateway: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exit(1)
})
