/**
 * `shoal`: the command line. `shoal start` (what `npm start` runs) starts a local cluster;
 * `shoal storage|gateway ...` run one process of a multi-host cluster; the other commands
 * drive a running gateway (--url, default http://127.0.0.1:8080 or $SHOAL_URL; --api-key or
 * $SHOAL_API_KEY; --json for one JSON document on stdout instead of tables; `hotkeys --watch`
 * and `bench` print one JSON document per line, `start` one line when ready). Progress bars go
 * to stderr, only when it is a terminal and --json is off.
 *
 * Exit codes:
 *   0  ok
 *   1  not found (get/multi-get of an absent key, unknown table: HTTP 404) or precondition
 *      failed (CAS --if-match / --if-none-match lost, table exists: HTTP 409/412); also
 *      `start` when a cluster process dies unexpectedly
 *   2  usage or configuration error: bad arguments or options, unreadable --file, a request
 *      the server rejected as invalid (other 4xx except 429), bad cluster file, port taken,
 *      data directory of an incompatible version
 *   3  server or connection error: cannot connect, timeout, HTTP 5xx or 429
 *   `storage`, `gateway` and `bench` exit with their program's code (2 for a config error
 *   there too; 128 + N when signal N ended it).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { join, resolve } from 'node:path'
import { ConfigError } from '../config/cluster-file.ts'
import { addBenchCommand } from './commands/bench.ts'
import { addClusterCommands } from './commands/cluster.ts'
import { CliExit, EXIT_USAGE, globals } from './commands/context.ts'
import { addHotKeysCommand } from './commands/hotkeys.ts'
import { addItemCommands } from './commands/items.ts'
import { addProcessCommands } from './commands/processes.ts'
import { addTableCommands } from './commands/tables.ts'
import { startLocalCluster, StartError } from './local-cluster.ts'
import { HeldOutput, progressBar, progressShown, type Progress } from './progress.ts'

const repoRoot = join(import.meta.dirname, '..', '..')

function portOption(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidArgumentError('expected a port number 1-65535')
  }
  return port
}

function shardCountOption(value: string): number {
  const count = Number(value)
  if (!Number.isInteger(count) || count < 1 || count > 65_536) {
    throw new InvalidArgumentError('expected a shard count 1-65536')
  }
  return count
}

interface StartOptions {
  port: number
  dataDir: string
  shards: number
  nodePortBase: number
}

function readyBanner(url: string, dataDir: string): string {
  return [
    '',
    `Shoal is ready: ${url}`,
    `  dashboard: ${url}/dashboard`,
    `  API docs:  ${url}/docs (OpenAPI at ${url}/openapi.json)`,
    `  try:       curl -X PUT ${url}/v1/tables/demo && \\`,
    `             curl -X PUT --data 'hello' ${url}/v1/tables/demo/keys/greeting && \\`,
    `             curl ${url}/v1/tables/demo/keys/greeting`,
    '  Ctrl-C stops the cluster; data stays in ' + dataDir,
    '',
  ].join('\n')
}

/** `shoal start`; with --json the logs go to stderr and stdout gets one JSON line when ready. */
async function runStart(options: StartOptions, json: boolean): Promise<void> {
  const out = json ? process.stderr : process.stdout
  // While the bar counts groups with a leader, the processes' logs wait (they would tear it).
  const shown = progressShown({ json })
  const logs = new HeldOutput(out, shown)
  // Created at the first count, when the number of groups (shards + catalog) is known.
  const progress: { bar: Progress | null } = { bar: null }
  let cluster: Awaited<ReturnType<typeof startLocalCluster>>
  try {
    cluster = await startLocalCluster({
      dataDir: options.dataDir,
      gatewayPort: options.port,
      nodePortBase: options.nodePortBase,
      shardCount: options.shards,
      repoRoot,
      out: logs,
      env: process.env,
      onLeaders: (withLeader, groups) => {
        progress.bar ??= progressBar('raft groups with a leader', 'groups', groups, { json })
        progress.bar.update(withLeader, groups)
      },
    })
  } finally {
    progress.bar?.stop()
    logs.release()
  }
  if (json) {
    // One JSON line on stdout for scripts; the processes' logs went to stderr.
    const ready = { ready: true, url: cluster.url, dataDir: resolve(options.dataDir) }
    process.stdout.write(`${JSON.stringify(ready)}\n`)
  } else out.write(readyBanner(cluster.url, options.dataDir))
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
  root.exitOverride()
  root
    .option('--url <url>', 'gateway URL', process.env['SHOAL_URL'] ?? 'http://127.0.0.1:8080')
    .option('--api-key <key>', 'API key (bearer token)', process.env['SHOAL_API_KEY'])
    .option('--json', 'machine-readable JSON output')
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
    .option('--shards <count>', 'shard count (first start only)', shardCountOption, 16)
    .option('--node-port-base <port>', 'storage nodes listen on base+1..base+3', portOption, 7100)
    .action(function (this: Command, options: StartOptions) {
      return runStart(options, globals(this).json)
    })
  addItemCommands(root)
  addTableCommands(root)
  addHotKeysCommand(root)
  addClusterCommands(root)
  addProcessCommands(root)
  addBenchCommand(root)
  return root
}

try {
  await program().parseAsync(process.argv)
} catch (error) {
  if (error instanceof CliExit) {
    process.stderr.write(`shoal: ${error.message}\n`)
    process.exit(error.code)
  }
  if (error instanceof CommanderError) {
    // Commander already printed the message; help and version are not errors.
    process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE)
  }
  if (error instanceof ConfigError || error instanceof StartError) {
    process.stderr.write(`shoal: ${error.message}\n`)
    process.exit(2)
  }
  throw error
}
