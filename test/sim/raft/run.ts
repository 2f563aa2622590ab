/**
 * Simulator CLI: `npx tsx test/sim/raft/run.ts [--seeds N] [--steps M] [--seed S]
 * [--planted-bug B] [--profile default|churn]`. Runs seeds S..S+N-1 (default S = 1), prints
 * one JSON summary, and for a failing seed the command that replays it exactly. Exit code 1 on
 * any failure.
 */
import type { PlantedBug } from '../../../storage/raft/config.ts'
import { runSeed } from './run-seed.ts'

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name)
  return i === -1 ? undefined : args[i + 1]
}

function main(): void {
  const args = process.argv.slice(2)
  const seed = Number(argValue(args, '--seed') ?? '1')
  const seeds = Number(argValue(args, '--seeds') ?? '1')
  const steps = Number(argValue(args, '--steps') ?? '2000')
  const bug = argValue(args, '--planted-bug') as PlantedBug | undefined
  const bugs = [
    'commit-earlier-term-by-count',
    'no-log-up-to-date-check',
    'vote-not-persisted',
    'lease-never-expires',
    'read-without-readindex',
  ]
  const profile = argValue(args, '--profile') ?? 'default'
  const badProfile = profile !== 'default' && profile !== 'churn'
  const badBug = bug !== undefined && !bugs.includes(bug)
  const badNumber = ![seed, seeds, steps].every((n) => Number.isSafeInteger(n) && n >= 0)
  if (badBug || badProfile || badNumber) {
    process.stderr.write('usage: run.ts [--seeds N] [--steps M] [--seed S] [--planted-bug B]\n')
    process.exitCode = 2
    return
  }
  let failures = 0
  const totals = {
    ticks: 0, writesAcked: 0, readsServed: 0, leadersElected: 0, crashes: 0, confChanges: 0,
    snapshotsInstalled: 0, transfers: 0, partitions: 0,
  }
  const started = performance.now()
  for (let s = seed; s < seed + seeds; s++) {
    const result = runSeed(s, steps, bug, profile as 'default' | 'churn')
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) {
      totals[key] += result.stats[key]
    }
    if (seeds === 1) process.stdout.write(`${JSON.stringify(result)}\n`)
    if (!result.ok) {
      failures++
      process.stdout.write(`seed ${s} FAILED: ${result.failure}\n  replay: ${result.replay}\n`)
    }
  }
  const seconds = (performance.now() - started) / 1000
  process.stdout.write(
    `${JSON.stringify({ seeds, steps, failures, seconds: Number(seconds.toFixed(2)), totals })}\n`,
  )
  if (failures > 0) process.exitCode = 1
}

main()
