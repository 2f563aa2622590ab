/**
 * A real etcd cluster on loopback for the cluster bench: N members as child processes of the
 * bench on free 127.0.0.1 ports (client and peer URLs), data directories in one temp dir,
 * fsync on (etcd's default; see etcd-args.ts). Ready once every member reports healthy and a
 * leader is elected. Members are stopped by the pid we hold, never by name; the data dir is
 * removed on close. When `etcd` is missing the bench installs Debian's etcd-server, saying so.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, stop, tempDir, waitFor, type Spawned } from '../../test/harness/processes.ts'
import { clientUrl, leaderName, memberArgs, memberEnv, type EtcdMember } from './etcd-args.ts'
import type { EtcdStatus } from './etcd-args.ts'
import { EtcdJsonClient } from './etcd-client.ts'

/** Where Debian's etcd-server (and a hand install) put the binary. */
const binaryDirs = ['/usr/bin', '/usr/local/bin', '/usr/sbin']
/** Time the members get to elect a leader and answer health checks after they are spawned. */
const startTimeoutMs = 30_000
/** How long a killed member's output is kept for the error message. */
const outputTailChars = 2_000

function findEtcd(): string | null {
  for (const dir of binaryDirs) {
    const path = join(dir, 'etcd')
    if (existsSync(path)) return path
  }
  return null
}

function aptGet(args: string[]): number | null {
  return spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  }).status
}

/** The etcd binary, installing Debian's etcd-server first when it is missing (and saying so). */
export function ensureEtcdBinary(log: (line: string) => void): string {
  const found = findEtcd()
  if (found !== null) return found
  log('etcd not found: running apt-get install -y etcd-server')
  if (aptGet(['install', '-y', 'etcd-server']) !== 0) {
    log('apt-get install failed: running apt-get update, then install again')
    aptGet(['update'])
    aptGet(['install', '-y', 'etcd-server'])
  }
  const installed = findEtcd()
  if (installed === null) {
    throw new Error(
      'apt-get install -y etcd-server did not give an etcd binary; install it ' +
        'and run the bench again',
    )
  }
  return installed
}

interface RunningMember extends EtcdMember {
  process: Spawned | null
}

export class EtcdCluster {
  readonly client = new EtcdJsonClient()
  readonly #dir: string
  readonly #members: RunningMember[]

  private constructor(dir: string, members: RunningMember[]) {
    this.#dir = dir
    this.#members = members
  }

  /** Starts `size` members and waits until all are healthy with one leader. */
  static async start(binary: string, size = 3): Promise<EtcdCluster> {
    const members: RunningMember[] = []
    for (let i = 0; i < size; i++) {
      members.push({
        name: `e${i + 1}`,
        clientPort: await freePort(),
        peerPort: await freePort(),
        process: null,
      })
    }
    const cluster = new EtcdCluster(tempDir('etcd'), members)
    try {
      for (const m of members) {
        const args = memberArgs(m, members, join(cluster.#dir, m.name))
        m.process = spawnMember(binary, args)
      }
      await cluster.#waitReady()
    } catch (error) {
      await cluster.close()
      throw error
    }
    return cluster
  }

  /** Client URLs of the members still running. */
  urls(): string[] {
    return this.#alive().map((m) => clientUrl(m))
  }

  pids(): number[] {
    return this.#alive().map((m) => m.process!.pid)
  }

  /** The leader's member name per the live members' status answers (null: none agreed). */
  async leader(): Promise<string | null> {
    const answers = new Map<string, EtcdStatus>()
    for (const m of this.#alive()) {
      try {
        answers.set(m.name, await this.client.status(clientUrl(m)))
      } catch {
        // A member that does not answer tells us nothing about the leader.
      }
    }
    return leaderName(answers)
  }

  urlOf(name: string): string {
    return clientUrl(this.#member(name))
  }

  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const m = this.#member(name)
    if (m.process !== null) await stop(m.process, signal)
    m.process = null
  }

  /** Stops every member we started (by pid) and removes the data directories. */
  async close(): Promise<void> {
    this.client.close()
    await Promise.all(this.#members.map((m) => this.kill(m.name, 'SIGTERM')))
    rmSync(this.#dir, { recursive: true, force: true })
  }

  #alive(): RunningMember[] {
    return this.#members.filter((m) => m.process !== null)
  }

  #member(name: string): RunningMember {
    const m = this.#members.find((x) => x.name === name)
    if (m === undefined) throw new Error(`etcd: no member ${name}`)
    return m
  }

  async #waitReady(): Promise<void> {
    await waitFor(
      'etcd members healthy with a leader',
      async () => {
        for (const m of this.#members) {
          const child = m.process!.child
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`etcd ${m.name} exited: ${m.process!.output().slice(-outputTailChars)}`)
          }
        }
        const first = this.#members[0]!
        await this.client.detectPrefix(clientUrl(first))
        for (const m of this.#members) {
          const res = await fetch(`${clientUrl(m)}/health`, { signal: AbortSignal.timeout(1_000) })
          const body = (await res.json()) as { health?: unknown }
          if (body.health !== 'true') return false
        }
        return (await this.leader()) !== null
      },
      { timeoutMs: startTimeoutMs, intervalMs: 50 },
    ).catch((error: unknown) => {
      const logs = this.#members.map((m) => `${m.name}: ${m.process?.output().slice(-500)}`)
      throw new Error(`${String(error)}\n${logs.join('\n')}`)
    })
  }
}

function spawnMember(binary: string, args: string[]): Spawned {
  const child = spawn(binary, args, {
    env: memberEnv(process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString()).slice(-outputTailChars * 4)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  if (child.pid === undefined) throw new Error(`failed to spawn ${binary}`)
  return { child, pid: child.pid, output: () => text, exited: () => exit }
}
