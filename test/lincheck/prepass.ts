/**
 * A near-linear pre-pass over one partition for values written at most once (Shoal's harness
 * writes unique values), run before the search. For a value v with a single writer W (a put of v
 * or a cas to v that did not fail) and v not the initial value, every op that observes v (a get
 * returning v, a cas that succeeded comparing against v) must be linearized after W. So:
 *
 * 1. an observed value that nobody wrote (and is not the initial value) is a violation;
 * 2. an observation that returned before W was even invoked is a violation;
 * 3. if W's outcome is unknown, W did happen, before the observation returned: its return time
 *    is clamped to the earliest such return (etcd's robustness checker does the same). This
 *    turns a write pending until +infinity into one the search must place, which prunes a lot.
 *
 * Sound for the register functions. Partitions with appends (whose states are concatenations,
 * not written values) skip the pre-pass.
 */
import type { Operation, Value } from './operation.ts'

export type PrepassResult =
  | { readonly kind: 'ok'; readonly returnTimes: number[] }
  | {
      readonly kind: 'violation'
      readonly reason: string
      /** Index of the observing op, and of its writer when there is one. */
      readonly observer: number
      readonly writer: number | null
    }

/** `returnTimes` is the search's view: +Infinity for unknown outcomes. */
export function prepassUniqueValues(
  ops: readonly Operation[],
  returnTimes: readonly number[],
  initialValue: Value,
): PrepassResult {
  const clamped = [...returnTimes]
  if (ops.some((op) => op.f === 'append')) return { kind: 'ok', returnTimes: clamped }
  const writers = new Map<string, number>()
  const repeated = new Set<string>()
  ops.forEach((op, i) => {
    const writes = op.f === 'put' || (op.f === 'cas' && op.outcome !== 'fail')
    if (!writes || op.value === null) return
    if (writers.has(op.value)) repeated.add(op.value)
    writers.set(op.value, i)
  })
  for (let i = 0; i < ops.length; i++) {
    const seen = observedValue(ops[i]!)
    if (seen === null || seen === initialValue || repeated.has(seen)) continue
    const writer = writers.get(seen)
    if (writer === undefined) {
      const reason = `observed ${JSON.stringify(seen)}, which no op wrote`
      return { kind: 'violation', reason, observer: i, writer: null }
    }
    if (ops[writer]!.callMs > returnTimes[i]!) {
      const reason = `observed ${JSON.stringify(seen)} before its only write was invoked`
      return { kind: 'violation', reason, observer: i, writer }
    }
    if (ops[writer]!.outcome === 'unknown') {
      clamped[writer] = Math.min(clamped[writer]!, Math.max(returnTimes[i]!, ops[writer]!.callMs))
    }
  }
  return { kind: 'ok', returnTimes: clamped }
}

/** The value an op saw in the register when its output is known, else null. */
function observedValue(op: Operation): Value {
  if (op.outcome !== 'ok') return null
  if (op.f === 'get') return op.value
  if (op.f === 'cas') return op.expected
  return null
}
