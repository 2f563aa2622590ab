/** Runs the `shoal` CLI (shared/cli/main.ts) as a child process for the CLI e2e tests. */
import { execFile } from 'node:child_process'
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
