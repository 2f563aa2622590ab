/**
 * The one scenario description shared by the Node runner (loadtest/run.ts) and the k6 scripts
 * (loadtest/k6/*.js, which `open()` the JSON export scenarios.json). A scenario says how fast
 * (an open arrival rate), for how long, over which keys (one hot key, Zipf(s) over N keys, or
 * uniform over N keys), with which operation mix (read / write / multi-get / CAS) and which
 * read consistency. Plain data only, so both runtimes read it the same way.
 */
import { z } from 'zod'

export const KeyDistribution = z.discriminatedUnion('kind', [
  /** Every operation goes to one key. */
  z.object({ kind: z.literal('hot'), key: z.string().min(1) }),
  /** Key rank r (1-based) is drawn with probability ∝ 1 / r^s over `keys` keys. */
  z.object({ kind: z.literal('zipf'), s: z.number().positive().max(4), keys: z.number().int() }),
  z.object({ kind: z.literal('uniform'), keys: z.number().int() }),
])
export type KeyDistribution = z.infer<typeof KeyDistribution>

/** Relative weights of the operations; they need not sum to 1 (at least one > 0). */
export const OperationMix = z.object({
  read: z.number().min(0),
  write: z.number().min(0),
  multiGet: z.number().min(0),
  cas: z.number().min(0),
})
export type OperationMix = z.infer<typeof OperationMix>
export type OperationKind = keyof OperationMix

export const Scenario = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/),
    description: z.string(),
    /** Target arrivals per second (open model: sent whether or not earlier ones returned). */
    ratePerSec: z.number().positive(),
    durationSec: z.number().positive(),
    /** Requests allowed in flight; arrivals beyond it are dropped and counted as errors. */
    maxInFlight: z.number().int().positive(),
    table: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    keyPrefix: z.string(),
    keys: KeyDistribution,
    mix: OperationMix,
    consistency: z.enum(['strong', 'eventual']),
    /** For eventual reads: the staleness the reader accepts (absent: the gateway default). */
    maxStalenessMs: z.number().int().positive().optional(),
    /** Keys per multi-get request. */
    multiGetKeys: z.number().int().positive().max(100),
    valueBytes: z.number().int().positive().max(64 * 1024),
    /** Keys written before the run so reads find data: the `preload` most popular ranks. */
    preload: z.number().int().min(0),
    /** k6 thresholds (the Node runner reports against the same figures). */
    thresholds: z.object({ p99Ms: z.number().positive(), errorRate: z.number().min(0).max(1) }),
  })
  .superRefine((scenario, ctx) => {
    const { mix, keys } = scenario
    if (mix.read + mix.write + mix.multiGet + mix.cas <= 0) {
      ctx.addIssue({ code: 'custom', message: 'the operation mix has no positive weight' })
    }
    if (keys.kind !== 'hot' && (keys.keys < 1 || keys.keys > 10_000_000)) {
      ctx.addIssue({ code: 'custom', message: `keys must be 1..10000000, got ${keys.keys}` })
    }
    if (scenario.maxStalenessMs !== undefined && scenario.consistency !== 'eventual') {
      ctx.addIssue({ code: 'custom', message: 'maxStalenessMs applies only to eventual reads' })
    }
  })
export type Scenario = z.infer<typeof Scenario>

/** How many distinct keys a distribution can draw. */
export function keySpace(keys: KeyDistribution): number {
  return keys.kind === 'hot' ? 1 : keys.keys
}

/** The key name for 0-based rank `rank` (rank 0 is the most popular under Zipf). */
export function keyName(scenario: Pick<Scenario, 'keyPrefix' | 'keys'>, rank: number): string {
  if (scenario.keys.kind === 'hot') return scenario.keys.key
  return `${scenario.keyPrefix}${rank}`
}

/** Applies command-line overrides and validates the result. */
export function withOverrides(
  scenario: Scenario,
  overrides: { ratePerSec?: number; durationSec?: number },
): Scenario {
  return Scenario.parse({ ...scenario, ...overrides })
}
