/**
 * `shoal storage ...` and `shoal gateway ...`: run the storage node or gateway entry point with
 * the given arguments, so one binary serves every host of a multi-host cluster. The child gets
 * our stdio; signals are forwarded and its exit code becomes ours (config errors exit 2 there).
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { storageNodeExecArgv } from '../../config/node-runtime.ts'

const repoRoot = join(import.meta.dirname, '..', '..', '..')

/** A child's exit as a process exit code: its own, or 128 + N when signal N ended it. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code
  const number = signal === null ? undefined : constants.signals[signal]
  return 128 + (number ?? 0)
}

async function runEntry(
  entry: string,
  args: readonly string[],
  execArgv: readonly string[],
): Promise<never> {
  const loader = import.meta.resolve('tsx')
  const argv = [...execArgv, '--import', loader, join(repoRoot, entry), ...args]
  const child = spawn(process.execPath, argv, { stdio: 'inherit' })
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal)
  }
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  const code = await new Promise<number>((done) =>
    child.once('exit', (exitCode, signal) => done(exitCodeOf(exitCode, signal))),
  )
  process.exit(code)
}

export function addProcessCommands(root: Command): void {
  for (const [name, entry, what, execArgv] of [
    [
      'storage',
      'storage/main.ts',
      'run one storage node: --config FILE --node ID',
      storageNodeExecArgv,
    ],
    ['gateway', 'gateway/main.ts', 'run the gateway: --config FILE', []],
  ] as const) {
    root
      .command(name)
      .description(what)
      .allowUnknownOption()
      .helpOption(false)
      .argument('[args...]')
      .action(async (args: string[]) => runEntry(entry, args, execArgv))
  }
}
