/**
 * `shoal`: the command line. `shoal start` (what `npm start` runs) starts a local cluster.
 * Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
 */
import { Command, InvalidArgumentError } from 'commander'
import { join } from 'node:path'
import { ConfigError } from '../config/cluster-file.ts'
import { startLocalCluster, StartError } from './local-cluster.ts'

const repoRoot = join(import.meta.dirname, '..', '..')

function portOption(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidArgumentError('expected a port number 1-65535')
  }
  return port
}

async function runStart(options: { port: number; dataDir: string; shards: number }): Promise<void> {
  const out = process.stdout
  const cluster = await startLocalCluster({
    dataDir: options.dataDir,
    gatewayPort: options.port,
    nodePortBase: 7100,
    shardCount: options.shards,
    repoRoot,
    out,
    env: process.env,
  })
  out.write(
    [
      '',
      `Shoal is ready: ${cluster.url}`,
      `  dashboard: ${cluster.url}/dashboard`,
      `  API docs:  ${cluster.url}/docs (OpenAPI at ${cluster.url}/openapi.json)`,
      `  try:       curl -X PUT ${cluster.url}/v1/tables/demo && \\`,
      `             curl -X PUT --data 'hello' ${cluster.url}/v1/tables/demo/keys/greeting && \\`,
      `             curl ${cluster.url}/v1/tables/demo/keys/greeting`,
      '  Ctrl-C stops the cluster; data stays in ' + options.dataDir,
      '',
    ].join('\n'),
  )
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    out.write('\nstopping Shoal...\n')
    cluster.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  await Promise.race(cluster.children.map((child) => child.exited))
  if (!stopping) {
    process.stderr.write('a cluster process exited unexpectedly; stopping the others\n')
    await cluster.stop()
    process.exit(1)
  }
}

function program(): Command {
  const root = new Command('shoal').description('Shoal: a coalescing key-value store')
  root
    .command('start')
    .description('start a local cluster: 3 storage nodes and a gateway on loopback')
    .option(
      '--port <port>',
      'gateway port',
      portOption,
      portOption(process.env['SHOAL_PORT'] ?? '8080'),
    )
    .option('--data-dir <dir>', 'data directory', process.env['SHOAL_DATA_DIR'] ?? './data')
    .option('--shards <count>', 'shard count (first start only)', (v) => Number(v), 16)
    .action(runStart)
  return root
}

try {
  await program().parseAsync(process.argv)
} catch (error) {
  if (error instanceof ConfigError || error instanceof StartError) {
    process.stderr.write(`shoal: ${error.message}\n`)
    process.exit(2)
  }
  throw error
}
