/**
 * `shoal bench <name> [args...]`: runs `npm run bench`'s program (loadtest/bench.ts) as a child
 * process, one node process with tsx's loader like the cluster processes. With --json its JSON
 * lines pass through to stdout as they arrive; otherwise a summary table is printed at the
 * end, and on a terminal a progress line counts the measurements. The bench's stderr passes
 * through. The exit code is the bench's (128 + signal number when a signal ended it).
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import { benchSummary, parseBenchLine, type BenchLine } from '../bench-summary.ts'
import { progressBar } from '../progress.ts'
import { globals, print } from './context.ts'
import { exitCodeOf } from './processes.ts'

const repoRoot = join(import.meta.dirname, '..', '..', '..')

export interface BenchRun {
  readonly lines: BenchLine[]
  readonly notes: string[]
  readonly code: number
}

/** Runs the bench; `onLine` sees every stdout line as it arrives. */
export async function runBench(
  args: readonly string[],
  onLine: (line: string) => void,
): Promise<number> {
  const loader = import.meta.resolve('tsx')
  const child = spawn(
    process.execPath,
    ['--import', loader, join(repoRoot, 'loadtest', 'bench.ts'), ...args],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal)
  }
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  const lines = createInterface({ input: child.stdout })
  lines.on('line', onLine)
  const closed = new Promise<void>((done) => lines.once('close', done))
  const code = await new Promise<number>((done) =>
    child.once('exit', (exitCode, signal) => done(exitCodeOf(exitCode, signal))),
  )
  await closed
  process.off('SIGINT', forward)
  process.off('SIGTERM', forward)
  return code
}

export function addBenchCommand(root: Command): void {
  root
    .command('bench')
    .description('run a benchmark (npm run bench): lsm, raft, rpc, cluster, gateway, collapse')
    .argument('<name>', 'which benchmark')
    .argument('[args...]', 'passed to the bench, e.g. --quick')
    .allowUnknownOption()
    .action(async function (this: Command, name: string, args: string[]) {
      const { json } = globals(this)
      const lines: BenchLine[] = []
      const notes: string[] = []
      const progress = progressBar(`bench ${name}`, 'measurements', null, { json })
      const code = await runBench([name, ...args], (text) => {
        if (json) {
          process.stdout.write(`${text}\n`)
          return
        }
        const line = parseBenchLine(text)
        if (line === null) {
          if (text.trim() !== '') notes.push(text)
        } else lines.push(line)
        progress.update(lines.length)
      })
      progress.stop()
      if (!json && (code === 0 || lines.length > 0)) print(benchSummary(lines, notes))
      process.exitCode = code
    })
}
