/**
 * The checker's command line: `npm run lincheck -- FILE [--format shoal|jepsen-etcd|porcupine-kv]
 * [--timeout-ms N] [--all]`. Prints `linearizable`, `not linearizable` followed by the window of
 * operations that shows it, or `unknown` (a time or memory budget ran out), and exits 0, 1 or 2.
 * Exit 3 is for a usage error or an input it cannot read or parse, with one clear line.
 * Without --format, the format is recognised from the first event line.
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { isShoalError } from '../../shared/errors.ts'
import { checkHistory, type CheckResult } from './check-history.ts'
import type { ParsedHistory } from './history.ts'
import { detectFormat, historyFormats, parseHistory, type HistoryFormat } from './history-format.ts'
import { renderViolation } from './violation.ts'

export const exitCodes = { linearizable: 0, notLinearizable: 1, unknown: 2, badInput: 3 } as const

const usage =
  'usage: lincheck FILE [--format shoal|jepsen-etcd|porcupine-kv] [--timeout-ms N] [--all]'

export interface CliIo {
  readonly readFile: (path: string) => string
  readonly out: (line: string) => void
  readonly err: (line: string) => void
}

interface CliArgs {
  readonly file: string
  readonly format: HistoryFormat | null
  readonly timeoutMs: number | null
  readonly all: boolean
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): CliArgs {
  let file: string | null = null
  let format: HistoryFormat | null = null
  let timeoutMs: number | null = null
  let all = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--all') all = true
    else if (arg === '--format') {
      const value = argv[++i] ?? ''
      if (!(historyFormats as readonly string[]).includes(value)) {
        throw new UsageError(`unknown format "${value}"`)
      }
      format = value as HistoryFormat
    } else if (arg === '--timeout-ms') {
      timeoutMs = Number(argv[++i])
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
        throw new UsageError('--timeout-ms wants a positive integer')
      }
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`)
    else if (file === null) file = arg
    else throw new UsageError('one FILE only')
  }
  if (file === null) throw new UsageError('FILE is missing')
  return { file, format, timeoutMs, all }
}

/** Runs the command line; returns the exit code. */
export function runCli(argv: readonly string[], io: CliIo): number {
  let args: CliArgs
  let history: ParsedHistory
  try {
    args = parseArgs(argv)
    const text = io.readFile(args.file)
    const format = args.format ?? detectFormat(text)
    if (format === null)
      throw new UsageError(`cannot tell the format of ${args.file}; use --format`)
    history = parseHistory(text, format)
  } catch (error) {
    if (error instanceof UsageError) io.err(`lincheck: ${error.message}\n${usage}`)
    else if (isShoalError(error)) io.err(`lincheck: ${error.message}`)
    else if (error instanceof Error && 'code' in error) io.err(`lincheck: ${error.message}`)
    else throw error
    return exitCodes.badInput
  }
  const result = checkHistory(history.ops, {
    initialValue: history.initialValue,
    ...(args.timeoutMs === null ? {} : { timeoutMs: args.timeoutMs }),
    allPartitions: args.all,
  })
  report(result, io)
  if (result.verdict === 'linearizable') return exitCodes.linearizable
  if (result.verdict === 'not-linearizable') return exitCodes.notLinearizable
  return exitCodes.unknown
}

function report(result: CheckResult, io: CliIo): void {
  io.out(result.verdict === 'not-linearizable' ? 'not linearizable' : result.verdict)
  for (const violation of result.violations) io.out(renderViolation(violation))
  if (result.verdict === 'unknown') {
    for (const partition of result.partitions) {
      if (partition.verdict !== 'unknown') continue
      const why = partition.gaveUp === 'memory' ? 'memo cache full' : 'time budget exhausted'
      io.out(`key ${JSON.stringify(partition.key)}: ${partition.ops} ops, ${why}`)
    }
  }
  io.err(
    `checked ${result.opsChecked} ops (${result.opsDropped} dropped) in ` +
      `${result.partitions.length} partitions in ${result.elapsedMs.toFixed(0)} ms`,
  )
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  const io: CliIo = {
    readFile: (path) => readFileSync(path, 'utf8'),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }
  process.exitCode = runCli(process.argv.slice(2), io)
}
