/**
 * Histories that are linearizable by construction, and mutants of them that are not, for testing
 * the checker (and, later, the fault harness's reporting). Clients issue one op at a time over
 * random intervals; each op takes effect at a point drawn uniformly inside its interval, and the
 * outputs (what a get reads, whether a cas swaps) are computed by replaying those points in order
 * on an atomic register per key. An op may be marked unknown (a timeout): it then takes effect at
 * its point or not at all, and the client continues under a new process id (Knossos' rule).
 * Values are unique (`c3-17`), as the harness writes them. All randomness is the seeded Prng.
 */
import { assert } from '../../shared/assert.ts'
import type { Prng } from '../../shared/random/prng.ts'
import type { OpFunction, Operation, Outcome, Value } from './operation.ts'

export interface GenerateOptions {
  readonly ops: number
  readonly keys: number
  readonly clients: number
  /** Share of ops whose outcome is unknown. */
  readonly unknownRate: number
  /** Share of traffic on key 0, the hot key (the rest is uniform over the keys). */
  readonly hotKeyShare: number
}

interface Draft {
  id: number
  process: string
  f: OpFunction
  key: string
  value: Value
  expected: Value
  outcome: Outcome
  callMs: number
  returnMs: number
  pointMs: number
  applies: boolean
}

export function generateLinearizableHistory(options: GenerateOptions, prng: Prng): Operation[] {
  assert(options.keys > 0 && options.clients > 0, 'need keys and clients')
  const drafts: Draft[] = []
  const clock = new Array<number>(options.clients).fill(0)
  const incarnation = new Array<number>(options.clients).fill(0)
  for (let i = 0; i < options.ops; i++) {
    const client = i % options.clients
    const callMs = clock[client]! + prng.intInclusive(0, 3) + prng.nextFloat()
    const returnMs = callMs + prng.intInclusive(0, 20) + prng.nextFloat()
    clock[client] = returnMs
    const key = prng.chance(options.hotKeyShare)
      ? 'k0'
      : `k${prng.intInclusive(0, options.keys - 1)}`
    const unknown = prng.chance(options.unknownRate)
    drafts.push({
      id: i,
      process: `${client}.${incarnation[client]}`,
      f: pickFunction(prng),
      key,
      value: `c${client}-${i}`,
      expected: null,
      outcome: unknown ? 'unknown' : 'ok',
      callMs,
      returnMs,
      pointMs: callMs + (returnMs - callMs) * prng.nextFloat(),
      applies: !unknown || prng.chance(0.5),
    })
    if (unknown) incarnation[client]! += 1
  }
  replay(drafts, prng)
  return drafts.map(toOperation)
}

function pickFunction(prng: Prng): OpFunction {
  const roll = prng.nextFloat()
  if (roll < 0.5) return 'get'
  if (roll < 0.8) return 'put'
  if (roll < 0.9) return 'cas'
  return 'delete'
}

/** Applies the ops at their points in order, filling in outputs and cas arguments. */
function replay(drafts: Draft[], prng: Prng): void {
  const registers = new Map<string, Value>()
  const written = new Map<string, string[]>()
  const byPoint = [...drafts].sort((a, b) => a.pointMs - b.pointMs)
  for (const op of byPoint) {
    const current = registers.get(op.key) ?? null
    if (op.f === 'get') op.value = op.outcome === 'unknown' ? null : current
    if (op.f === 'delete') op.value = null
    if (op.f === 'cas') {
      const history = written.get(op.key) ?? []
      const stale = history[prng.intInclusive(0, history.length)] ?? null
      op.expected = prng.chance(0.6) ? current : stale
      if (op.outcome !== 'unknown') op.outcome = op.expected === current ? 'ok' : 'fail'
    }
    if (!op.applies || op.f === 'get') continue
    if (op.f === 'cas' && op.expected !== current) continue
    registers.set(op.key, op.value)
    if (op.value === null) continue
    const list = written.get(op.key)
    if (list === undefined) written.set(op.key, [op.value])
    else list.push(op.value)
  }
}

function toOperation(draft: Draft): Operation {
  const { id, process, f, key, value, expected, outcome, callMs, returnMs } = draft
  return { id, process, f, key, value, expected, outcome, callMs, returnMs }
}

export type MutantKind = 'never-written' | 'overwritten'

/**
 * Changes one read to a value it cannot have seen: one never written, or one whose only write
 * was overwritten by a write that completed, itself after that write completed, before the read
 * began. Returns null if the history has no read that fits.
 */
export function mutateRead(
  ops: readonly Operation[],
  kind: MutantKind,
  prng: Prng,
): { ops: Operation[]; mutated: number } | null {
  const reads = ops.filter((op) => op.f === 'get' && op.outcome === 'ok')
  const start = prng.intInclusive(0, Math.max(0, reads.length - 1))
  for (let k = 0; k < reads.length; k++) {
    const read = reads[(start + k) % reads.length]!
    const value = kind === 'never-written' ? 'never-written' : overwrittenValue(ops, read)
    if (value === null || value === read.value) continue
    const mutant = ops.map((op) => (op.id === read.id ? { ...op, value } : op))
    return { ops: mutant, mutated: read.id }
  }
  return null
}

/** A value written by an ok put that an ok put or delete replaced before the read began. */
function overwrittenValue(ops: readonly Operation[], read: Operation): string | null {
  const done = ops.filter(
    (op) =>
      op.key === read.key &&
      op.outcome === 'ok' &&
      (op.f === 'put' || op.f === 'delete') &&
      op.returnMs < read.callMs,
  )
  for (const first of done) {
    if (first.f !== 'put') continue
    const later = done.find((op) => op.callMs > first.returnMs)
    if (later !== undefined) return first.value
  }
  return null
}
