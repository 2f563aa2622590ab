/** Runs the `shoal` CLI (shared/cli/main.ts) as a child process for the CLI e2e tests. */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../harness/processes.ts'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** `shoal ...args` with `stdin` piped in (so stdout and stderr are not terminals). */
export function runCli(
  args: readonly string[],
  options: { stdin?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'shared/cli/main.ts'), ...args],
      {
        cwd: repoRoot,
        timeout: options.timeoutMs ?? 20_000,
        env: { ...process.env, ...options.env },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      },
    )
    child.stdin?.end(options.stdin ?? '')
  })
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The pids whose parent is `pid` (Linux /proc), e.g. the processes a `shoal` process ran. */
export function childrenOf(pid: number): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (parent === pid) pids.push(Number(entry))
    } catch {
      // The process exited while we looked.
    }
  }
  return pids
}

/** The command line of `pid` (Linux /proc), arguments joined by spaces; '' once it is gone. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    return ''
  }
}
