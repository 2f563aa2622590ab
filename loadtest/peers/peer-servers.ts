/**
 * The peers the collapse bench measures Shoal against, run as foreground child processes of
 * the bench on free loopback ports, each with its own temp working directory, and stopped by
 * the pid we hold (never by name): Varnish (`varnishd -F`) and nginx (`daemon off`), each in
 * front of one upstream URL (a Shoal gateway with coalescing off). Their configs are the
 * templates beside this file. When a binary is missing the bench installs its Debian package
 * with apt-get, saying so first.
 */
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { freePort, stop, tempDir, waitFor, type Spawned } from '../../test/harness/processes.ts'
import { pinnedCommand } from '../runner/cpu-pinning.ts'
import { renderTemplate } from './template.ts'

export type PeerName = 'varnish' | 'nginx'

export interface PeerServer {
  readonly name: PeerName
  readonly url: string
  readonly process: Spawned
  /** Stops the process (by pid) and removes its working directories. */
  close(): Promise<void>
}

const binaries: Record<PeerName, { binary: string; pkg: string }> = {
  varnish: { binary: 'varnishd', pkg: 'varnish' },
  nginx: { binary: 'nginx', pkg: 'nginx' },
}
/** Debian puts both daemons in /usr/sbin, which is not always on a non-root PATH. */
const sbinDirs = ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin']
/** Time a peer gets to accept connections after it is spawned. */
const startTimeoutMs = 30_000
/** Varnish's object storage for the bench (malloc; hot set is tiny). */
const varnishStorage = 'malloc,256m'

function findBinary(binary: string): string | null {
  for (const dir of sbinDirs) {
    const path = join(dir, binary)
    if (existsSync(path)) return path
  }
  return null
}

/** The binary's path, installing its Debian package first when it is missing. */
export function ensurePeerBinary(name: PeerName, log: (line: string) => void): string {
  const { binary, pkg } = binaries[name]
  const found = findBinary(binary)
  if (found !== null) return found
  log(`${binary} not found: running apt-get install -y ${pkg}`)
  const result = spawnSync('apt-get', ['install', '-y', pkg], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  const installed = findBinary(binary)
  if (result.status !== 0 || installed === null) {
    throw new Error(
      `apt-get install -y ${pkg} failed (status ${result.status}); install ` +
        `${pkg} and run the bench again`,
    )
  }
  return installed
}

/** Spawns the peer, started pinned to `cpu` when one is given (cpu-pinning.ts). */
function spawnCommand(cpu: number | null, binary: string, binaryArgs: string[]): Spawned {
  const { command, args } = pinnedCommand(cpu, binary, binaryArgs)
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  if (child.pid === undefined) throw new Error(`failed to spawn ${command}`)
  return { child, pid: child.pid, output: () => text, exited: () => exit }
}

/** Waits until `url` answers any HTTP status (the peer is up), or the process died. */
async function waitListening(name: string, spawned: Spawned, url: string): Promise<void> {
  await waitFor(
    `${name} listening on ${url}`,
    async () => {
      if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) {
        throw new PeerExited(`${name} exited: ${spawned.output().slice(-2000)}`)
      }
      const response = await fetch(`${url}/healthz`)
      await response.arrayBuffer()
      return true
    },
    { timeoutMs: startTimeoutMs, intervalMs: 100 },
  ).catch((error: unknown) => {
    throw new Error(`${name} did not start: ${spawned.output().slice(-2000)}`, { cause: error })
  })
}

class PeerExited extends Error {}

function upstreamOf(url: string): { host: string; port: string } {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: parsed.port }
}

function template(file: string): string {
  return readFileSync(join(import.meta.dirname, file), 'utf8')
}

/** Where a peer runs: the CPU to pin it to (null: unpinned, any core). */
export interface PeerPlacement {
  readonly cpu: number | null
}

export async function startVarnish(
  upstreamUrl: string,
  binary: string,
  placement: PeerPlacement,
): Promise<PeerServer> {
  const dir = tempDir('varnish')
  // varnishd drops privileges to its own users: they must be able to read the work dir.
  chmodSync(dir, 0o755)
  const upstream = upstreamOf(upstreamUrl)
  const vcl = join(dir, 'bench.vcl')
  writeFileSync(
    vcl,
    renderTemplate('varnish.vcl', template('varnish.vcl'), {
      BACKEND_HOST: upstream.host,
      BACKEND_PORT: upstream.port,
    }),
  )
  const port = await freePort()
  const spawned = spawnCommand(placement.cpu, binary, [
    '-F',
    '-n',
    join(dir, 'work'),
    '-a',
    `127.0.0.1:${port}`,
    '-T',
    '127.0.0.1:0',
    '-f',
    vcl,
    '-s',
    varnishStorage,
  ])
  const server = peer('varnish', `http://127.0.0.1:${port}`, spawned, [dir])
  await startedOrClosed(server)
  return server
}

export async function startNginx(
  upstreamUrl: string,
  binary: string,
  placement: PeerPlacement,
): Promise<PeerServer> {
  const prefix = tempDir('nginx')
  const cacheDir = mkdtempSync('/dev/shm/shoal-nginx-cache-')
  // nginx workers run as an unprivileged user when the master is root: open the dirs to them.
  for (const sub of [
    'logs',
    'client_body',
    'proxy_temp',
    'fastcgi_temp',
    'uwsgi_temp',
    'scgi_temp',
  ]) {
    mkdirSync(join(prefix, sub))
    chmodSync(join(prefix, sub), 0o777)
  }
  chmodSync(prefix, 0o755)
  chmodSync(cacheDir, 0o777)
  const upstream = upstreamOf(upstreamUrl)
  const port = await freePort()
  const conf = join(prefix, 'nginx.conf')
  writeFileSync(
    conf,
    renderTemplate('nginx.conf', template('nginx.conf'), {
      // One worker per core it may use: pinned to one CPU, more workers only contend.
      WORKERS: placement.cpu === null ? Math.min(2, availableParallelism()) : 1,
      PREFIX: prefix,
      CACHE_DIR: cacheDir,
      BACKEND_HOST: upstream.host,
      BACKEND_PORT: upstream.port,
      LISTEN_HOST: '127.0.0.1',
      LISTEN_PORT: port,
    }),
  )
  const spawned = spawnCommand(placement.cpu, binary, [
    '-p',
    prefix,
    '-c',
    conf,
    '-e',
    join(prefix, 'error.log'),
    '-g',
    'daemon off;',
  ])
  const server = peer('nginx', `http://127.0.0.1:${port}`, spawned, [prefix, cacheDir])
  await startedOrClosed(server)
  return server
}

function peer(name: PeerName, url: string, spawned: Spawned, dirs: string[]): PeerServer {
  return {
    name,
    url,
    process: spawned,
    close: async () => {
      await stop(spawned)
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function startedOrClosed(server: PeerServer): Promise<void> {
  try {
    await waitListening(server.name, server.process, server.url)
  } catch (error) {
    await server.close()
    throw error
  }
}
