/**
 * The scenarios of issue 9, in the shared format (scenario.ts). Rates are sized for a small
 * machine (2 shared cores) at their defaults; `--rate` raises them. `npx tsx
 * loadtest/scenarios/export.ts` writes them to scenarios.json for the k6 scripts, and
 * catalog.test.ts fails when the JSON and this file disagree.
 */
import { Scenario } from './scenario.ts'

const common = {
  durationSec: 30,
  maxInFlight: 512,
  table: 'loadtest',
  valueBytes: 128,
  multiGetKeys: 10,
  thresholds: { p99Ms: 50, errorRate: 0.01 },
} as const

const definitions: Scenario[] = [
  {
    ...common,
    name: 'hot-key-storm',
    description: 'Every client reads one key (strong): what coalescing exists for.',
    ratePerSec: 2_000,
    keyPrefix: 'k',
    keys: { kind: 'hot', key: 'hot' },
    mix: { read: 1, write: 0, multiGet: 0, cas: 0 },
    consistency: 'strong',
    preload: 1,
    thresholds: { p99Ms: 20, errorRate: 0.001 },
  },
  {
    ...common,
    name: 'zipf-read-heavy',
    description: 'Zipf(0.99) over 100k keys, 95% eventual reads (1 s staleness), 5% writes.',
    ratePerSec: 1_500,
    keyPrefix: 'z',
    keys: { kind: 'zipf', s: 0.99, keys: 100_000 },
    mix: { read: 95, write: 5, multiGet: 0, cas: 0 },
    consistency: 'eventual',
    maxStalenessMs: 1_000,
    preload: 1_000,
  },
  {
    ...common,
    name: 'write-heavy',
    description: 'Uniform writes over 50k keys with 20% strong reads measured (tail under flush).',
    ratePerSec: 800,
    keyPrefix: 'w',
    keys: { kind: 'uniform', keys: 50_000 },
    mix: { read: 20, write: 80, multiGet: 0, cas: 0 },
    consistency: 'strong',
    valueBytes: 1_024,
    preload: 0,
    thresholds: { p99Ms: 100, errorRate: 0.01 },
  },
  {
    ...common,
    name: 'multi-get-fanout',
    description: 'Multi-get of 10 Zipf(0.99) keys over 10k keys per request, strong.',
    ratePerSec: 300,
    keyPrefix: 'm',
    keys: { kind: 'zipf', s: 0.99, keys: 10_000 },
    mix: { read: 0, write: 0, multiGet: 1, cas: 0 },
    consistency: 'strong',
    preload: 500,
    thresholds: { p99Ms: 100, errorRate: 0.01 },
  },
  {
    ...common,
    name: 'cas-counter',
    description: 'Read-modify-write increments of 8 counters with If-Match (412s are expected).',
    ratePerSec: 200,
    keyPrefix: 'c',
    keys: { kind: 'uniform', keys: 8 },
    mix: { read: 0, write: 0, multiGet: 0, cas: 1 },
    consistency: 'strong',
    valueBytes: 16,
    preload: 8,
    thresholds: { p99Ms: 100, errorRate: 0.01 },
  },
]

/** Every scenario, validated once at load. */
export const scenarios: readonly Scenario[] = definitions.map((s) => Scenario.parse(s))

export function scenarioNamed(name: string): Scenario {
  const found = scenarios.find((s) => s.name === name)
  if (found === undefined) {
    const known = scenarios.map((s) => s.name).join(', ')
    throw new Error(`unknown scenario '${name}' (known: ${known})`)
  }
  return found
}

/** The JSON the k6 scripts open(): `{ scenarios: { <name>: Scenario } }`. */
export function scenariosJson(): string {
  const byName = Object.fromEntries(scenarios.map((s) => [s.name, s]))
  return JSON.stringify({ scenarios: byName }, null, 2) + '\n'
}
