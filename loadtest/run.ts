/**
 * The Node load runner: `npm run loadtest -- <scenario|all> [more scenarios] [--rate R]
 * [--duration D] [--warmup W] [--url U] [--seed S] [--html FILE]`. Runs the shared scenarios
 * (loadtest/scenarios/catalog.ts) with an open arrival model and prints, per scenario, a table
 * and one JSON line; then writes the results page (percentile curves) and prints its path.
 * Without --url it starts a local 3-node cluster and a gateway on free ports and stops them
 * after. The page goes to test-artifacts/ unless --html says otherwise. Exit code 0 when every
 * run ran (thresholds are reported, not enforced), 2 for bad arguments, 1 when a run failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { scenarioNamed, scenarios } from './scenarios/catalog.ts'
import { withOverrides, type Scenario } from './scenarios/scenario.ts'
import { LocalCluster } from './runner/local-cluster.ts'
import { repoRoot } from '../test/harness/processes.ts'
import { formatTable, reportJson, type RunReport } from './runner/report.ts'
import { resultsPage } from './runner/results-page.ts'
import { runScenario } from './runner/run-scenario.ts'

class UsageError extends Error {}

interface Flags {
  readonly names: string[]
  readonly url: string | null
  readonly seed: number
  readonly html: string
  readonly warmupSec: number
  readonly overrides: { ratePerSec?: number; durationSec?: number }
}

function positive(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be > 0: ${text}`)
  return value
}

function parseFlags(argv: string[]): Flags {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      url: { type: 'string' },
      seed: { type: 'string' },
      html: { type: 'string' },
      warmup: { type: 'string' },
    },
  })
  if (positionals.length === 0) throw new UsageError('name a scenario (or all)')
  const names = positionals.includes('all') ? scenarios.map((s) => s.name) : positionals
  const rate = positive(values.rate, '--rate')
  const duration = positive(values.duration, '--duration')
  return {
    names,
    url: values.url ?? null,
    seed: positive(values.seed, '--seed') ?? 1,
    warmupSec: values.warmup === '0' ? 0 : (positive(values.warmup, '--warmup') ?? 1),
    html: values.html ?? join(repoRoot, 'test-artifacts', `loadtest-${Date.now()}.html`),
    overrides: {
      ...(rate === undefined ? {} : { ratePerSec: rate }),
      ...(duration === undefined ? {} : { durationSec: duration }),
    },
  }
}

async function runAll(list: Scenario[], flags: Flags): Promise<RunReport[]> {
  const local = flags.url === null ? await LocalCluster.start() : null
  try {
    const url = flags.url ?? (await local!.startGateway({ coalescing: true })).url
    const reports: RunReport[] = []
    for (const scenario of list) {
      const report = await runScenario(scenario, {
        url,
        seed: flags.seed,
        warmupSec: flags.warmupSec,
      })
      process.stdout.write(formatTable(report) + reportJson(report) + '\n\n')
      reports.push(report)
    }
    return reports
  } finally {
    await local?.close()
  }
}

async function main(): Promise<void> {
  let flags: Flags
  let list: Scenario[]
  try {
    flags = parseFlags(process.argv.slice(2))
    list = flags.names.map((name) => withOverrides(scenarioNamed(name), flags.overrides))
  } catch (error) {
    const known = scenarios.map((s) => s.name).join('|')
    process.stderr.write(
      `loadtest: ${error instanceof Error ? error.message : String(error)}\n` +
        `usage: npm run loadtest -- <${known}|all> [--rate R] [--duration S] [--warmup S] ` +
        '[--url U] ' +
        '[--seed N] [--html FILE]\n',
    )
    process.exitCode = 2
    return
  }
  const reports = await runAll(list, flags)
  mkdirSync(dirname(flags.html), { recursive: true })
  writeFileSync(flags.html, resultsPage('Shoal load test', reports))
  process.stdout.write(`results page: ${flags.html}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(
    `loadtest: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  )
  process.exit(1)
})
