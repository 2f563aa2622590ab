/**
 * Real-process helpers for end-to-end tests: free loopback ports, temp dirs, spawning our own
 * entry points with tsx, waiting on a condition with a deadline (never a fixed sleep), and
 * stopping exactly the processes we started, by pid.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const repoRoot = join(import.meta.dirname, '..', '..')

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `shoal-${prefix}-`))
}

/**
 * Ports handed out for servers the tests start. Below Linux's ephemeral range (32768-60999):
 * a port the OS picked with listen(0) and we released can be taken again, before our server
 * binds it, as the local port of any outbound connection (the chaos runs open thousands), and
 * the server then fails with EADDRINUSE. Random ports from this range only meet each other.
 */
const testPortLow = 20_000
const testPortHigh = 32_000

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * Ports this process handed out recently. A port is still free until its caller binds it, so
 * without this two calls in a row could return the same one (it happened: an etcd cluster got
 * one peer port for two members).
 */
const handedOut = new Set<number>()
const handedOutMax = 4_096

function handOut(port: number): number {
  handedOut.add(port)
  if (handedOut.size > handedOutMax) handedOut.delete(handedOut.values().next().value!)
  return port
}

/**
 * A port that was free a moment ago on 127.0.0.1, outside the ephemeral range, and not
 * returned by an earlier call of this process.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = testPortLow + Math.floor(Math.random() * (testPortHigh - testPortLow))
    if (!handedOut.has(port) && (await bindable(port))) return handOut(port)
  }
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(handOut(port)))
    })
  })
}

export interface Spawned {
  readonly child: ChildProcess
  readonly pid: number
  /** Everything written to stdout and stderr so far. */
  output(): string
  exited(): Promise<number | null>
}

/**
 * Runs a TypeScript entry point of this repository as ONE node process with tsx's loader
 * (`node --import tsx`). Not the `tsx` binary: that runs the script in a second process, so a
 * SIGKILL or SIGSTOP sent to the pid we hold would miss the program itself. The child also
 * preloads exit-with-parent.ts, so it ends itself if this process dies without stopping it.
 */
export function spawnTs(
  entry: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; execArgv?: readonly string[] } = {},
): Spawned {
  const loader = import.meta.resolve('tsx')
  const watchdog = import.meta.resolve('./exit-with-parent.ts')
  const node = [...(options.execArgv ?? []), '--import', loader, '--import', watchdog]
  const child = spawn(process.execPath, [...node, join(repoRoot, entry), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, SHOAL_HARNESS_PARENT_PID: String(process.pid), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  if (child.pid === undefined) throw new Error(`failed to spawn ${entry}`)
  return { child, pid: child.pid, output: () => text, exited: () => exit }
}

/** Polls `condition` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    try {
      if (await condition()) return
    } catch {
      // Not ready yet (e.g. connection refused); keep polling until the deadline.
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50))
  }
}

/** Sends `signal` to a process we started and waits for it to exit. */
export async function stop(
  spawned: Spawned,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 10_000,
): Promise<void> {
  if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) return
  spawned.child.kill(signal)
  const timer = setTimeout(() => spawned.child.kill('SIGKILL'), timeoutMs)
  await spawned.exited()
  clearTimeout(timer)
}

/** Whether a process with this pid exists (a zombie not yet reaped counts as alive). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
