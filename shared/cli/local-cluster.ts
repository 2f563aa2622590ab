/**
 * LocalCluster: `npm start`. Runs a whole cluster on this machine — 3 storage nodes and 1
 * gateway as separate processes on loopback, 16 shards, data under ./data — waits until the
 * gateway is ready, prints where to go, streams the processes' logs, and on Ctrl-C (SIGINT or
 * SIGTERM) stops them all and waits for them to exit.
 *
 * The first start writes ./data/cluster.yaml and ./data/SHOAL_VERSION; later starts reuse them,
 * and refuse to run on a data directory written by an incompatible version. A port already taken
 * is reported before anything starts.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { loadClusterFile, parseHostPort, type ClusterFile } from '../config/cluster-file.ts'
import { storageNodeExecArgv } from '../config/node-runtime.ts'

const storageEntry = 'storage/main.ts'

/** Bumped when the on-disk layout changes incompatibly. */
export const dataFormatVersion = 1

export interface LocalClusterOptions {
  readonly dataDir: string
  readonly gatewayPort: number
  readonly nodePortBase: number
  readonly shardCount: number
  readonly repoRoot: string
  readonly out: NodeJS.WritableStream
  /** The environment the cluster's processes inherit. */
  readonly env: NodeJS.ProcessEnv
  /** Told, while waiting, how many raft groups (shards + catalog) have a leader. */
  readonly onLeaders?: (withLeader: number, groups: number) => void
}

export class StartError extends Error {
  override readonly name = 'StartError'
}

export function clusterYaml(options: LocalClusterOptions): string {
  const nodes = [1, 2, 3]
    .map((n) => `  - { id: n${n}, address: "127.0.0.1:${options.nodePortBase + n}" }`)
    .join('\n')
  return [
    'clusterId: local',
    `shardCount: ${options.shardCount}`,
    'replicationFactor: 3',
    'dataDir: .',
    '# The three nodes share this host\'s cores: shard leaders gather on one node, which costs',
    '# the least CPU per write (storage/multiraft/leader-preference.ts).',
    'leaderPreference: [n1, n2, n3]',
    'nodes:',
    nodes,
    'gateway:',
    `  address: "127.0.0.1:${options.gatewayPort}"`,
    '',
  ].join('\n')
}

/** Writes the cluster file and version marker on first start; checks them on later ones. */
export function prepareDataDir(options: LocalClusterOptions): {
  configPath: string
  file: ClusterFile
} {
  mkdirSync(options.dataDir, { recursive: true })
  const versionPath = join(options.dataDir, 'SHOAL_VERSION')
  const configPath = join(options.dataDir, 'cluster.yaml')
  if (existsSync(versionPath)) {
    const found = readFileSync(versionPath, 'utf8').trim()
    if (found !== String(dataFormatVersion)) {
      throw new StartError(
        `${options.dataDir} holds data format ${found}; this Shoal reads format ` +
          `${dataFormatVersion}. Move the directory away or use --data-dir.`,
      )
    }
  } else {
    writeFileSync(versionPath, `${dataFormatVersion}\n`)
  }
  if (!existsSync(configPath)) writeFileSync(configPath, clusterYaml(options))
  const file = loadClusterFile(configPath)
  const gateway = { ...file.gateway, address: `127.0.0.1:${options.gatewayPort}` }
  return { configPath, file: { ...file, gateway } }
}

export async function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer()
    server.once('error', () => resolvePort(false))
    server.listen(port, host, () => server.close(() => resolvePort(true)))
  })
}

async function checkPorts(file: ClusterFile): Promise<void> {
  const addresses = [...file.nodes.map((node) => node.address), file.gateway.address]
  for (const address of addresses) {
    const hostPort = parseHostPort(address)
    if (hostPort === null) throw new StartError(`bad address ${address}`)
    if (!(await portFree(hostPort.host, hostPort.port))) {
      throw new StartError(`port ${hostPort.port} on ${hostPort.host} is already in use`)
    }
  }
}

interface Managed {
  readonly name: string
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
}

function launch(
  name: string,
  entry: string,
  args: string[],
  options: LocalClusterOptions,
): Managed {
  // One process per program (node with tsx's loader), so signals reach the program itself.
  const child = spawn(
    process.execPath,
    // tsx is resolved from this module, so the cluster starts from any working directory.
    [
      ...(entry === storageEntry ? storageNodeExecArgv : []),
      '--import',
      import.meta.resolve('tsx'),
      join(options.repoRoot, entry),
      ...args,
    ],
    {
      cwd: options.repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env,
    },
  )
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue
    const lines = createInterface({ input: stream })
    lines.on('line', (line) => options.out.write(`${name.padEnd(7)} | ${readableLog(line)}\n`))
  }
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  return { name, child, exited }
}

/** pino's fields that a person reading `npm start` does not need on every line. */
const hiddenLogFields = new Set(['level', 'msg', 'time', 'pid', 'hostname', 'name'])

/** Renders a pino JSON line as `level message key=value ...`; other lines pass through. */
export function readableLog(line: string): string {
  if (!line.startsWith('{')) return line
  try {
    const record: unknown = JSON.parse(line)
    if (typeof record !== 'object' || record === null) return line
    const fields = Object.entries(record as Record<string, unknown>).filter(
      ([key]) => !hiddenLogFields.has(key),
    )
    const level = (record as { level?: unknown }).level
    const msg = (record as { msg?: unknown }).msg
    const levelName = typeof level === 'number' ? (levelNames[level] ?? String(level)) : 'info'
    const text = fields
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ')
    return `${levelName.padEnd(5)} ${String(msg ?? '')}${text === '' ? '' : ' ' + text}`
  } catch {
    return line
  }
}

const levelNames: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
}

/** Raft groups with a known leader and all groups, from the gateway's /v1/cluster. */
async function leaderCount(url: string): Promise<{ withLeader: number; groups: number } | null> {
  try {
    const response = await fetch(`${url}/v1/cluster`)
    if (!response.ok) return null
    const status = (await response.json()) as { shards?: Array<{ leader?: unknown }> }
    const shards = Array.isArray(status.shards) ? status.shards : []
    const withLeader = shards.filter((shard) => typeof shard.leader === 'string').length
    return { withLeader, groups: shards.length }
  } catch {
    return null // not listening yet
  }
}

async function waitReady(
  url: string,
  children: Managed[],
  timeoutMs: number,
  onLeaders: LocalClusterOptions['onLeaders'],
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const dead = children.find((managed) => managed.child.exitCode !== null)
    if (dead !== undefined) throw new StartError(`${dead.name} exited during start-up`)
    if (onLeaders !== undefined) {
      const count = await leaderCount(url)
      if (count !== null) onLeaders(count.withLeader, count.groups)
    }
    try {
      const response = await fetch(`${url}/readyz`)
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new StartError(`cluster not ready after ${timeoutMs} ms`)
    await new Promise((done) => setTimeout(done, 200))
  }
}

export async function stopAll(children: Managed[], timeoutMs = 15_000): Promise<void> {
  for (const managed of children) {
    if (managed.child.exitCode === null) managed.child.kill('SIGTERM')
  }
  const timer = setTimeout(() => {
    for (const managed of children)
      if (managed.child.exitCode === null) managed.child.kill('SIGKILL')
  }, timeoutMs)
  await Promise.all(children.map((managed) => managed.exited))
  clearTimeout(timer)
}

/** Starts the cluster; resolves with a stop function once the gateway is ready. */
export async function startLocalCluster(
  options: LocalClusterOptions,
): Promise<{ url: string; stop: () => Promise<void>; children: Managed[] }> {
  const dataDir = resolve(options.dataDir)
  const { configPath, file } = prepareDataDir({ ...options, dataDir })
  await checkPorts(file)
  // Each node serves Prometheus text on a free port; its log prints
  // `shoal-storage metrics node=<id> port=<port>`.
  const nodeArgs = (id: string) => [
    '--config',
    configPath,
    '--node',
    id,
    '--metrics-listen',
    '127.0.0.1:0',
  ]
  const children: Managed[] = file.nodes.map((node) =>
    launch(node.id, storageEntry, nodeArgs(node.id), options),
  )
  children.push(
    launch(
      'gateway',
      'gateway/main.ts',
      ['--config', configPath, '--port', String(options.gatewayPort)],
      options,
    ),
  )
  const url = `http://127.0.0.1:${options.gatewayPort}`
  try {
    await waitReady(url, children, 60_000, options.onLeaders)
  } catch (error) {
    await stopAll(children)
    throw error
  }
  return { url, stop: () => stopAll(children), children }
}
