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
 *    turns a write pending until +infinity into one the search must place, which prunes a lot;
 * 4. an observation invoked after some write W2 of another value completed, W2 itself invoked
 *    after W completed, is a violation (W < W2 < observer in every order, and nothing writes v
 *    again): the stale read, found in O(n log n) instead of by exhausting the search.
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
      /** Op indices: the observing op first, then the writes that show the problem. */
      readonly ops: readonly number[]
    }

/** `returnTimes` is the search's view: +Infinity for unknown outcomes. */
export function prepassUniqueValues(
  ops: readonly Operation[],
  returnTimes: readonly number[],
  initialValue: Value,
): PrepassResult {
  const clamped = [...returnTimes]
  if (ops.some((op) => op.f === 'append')) return { kind: 'ok', returnTimes: clamped }
  const writers = uniqueWriters(ops)
  const observations: Array<[observer: number, writer: number]> = []
  for (let i = 0; i < ops.length; i++) {
    const seen = observedValue(ops[i]!)
    if (seen === null || seen === initialValue) continue
    const writer = writers.get(seen)
    if (writer === undefined) {
      const reason = `observed ${JSON.stringify(seen)}, which no op wrote`
      return { kind: 'violation', reason, ops: [i] }
    }
    if (writer === -1) continue
    if (ops[writer]!.callMs > returnTimes[i]!) {
      const reason = `observed ${JSON.stringify(seen)} before its only write was invoked`
      return { kind: 'violation', reason, ops: [i, writer] }
    }
    if (ops[writer]!.outcome === 'unknown') {
      clamped[writer] = Math.min(clamped[writer]!, Math.max(returnTimes[i]!, ops[writer]!.callMs))
    }
    observations.push([i, writer])
  }
  const stale = staleObservation(ops, clamped, observations)
  if (stale !== null) return stale
  return { kind: 'ok', returnTimes: clamped }
}

/** Value -> index of its only writer, or -1 if several ops write it. */
function uniqueWriters(ops: readonly Operation[]): Map<string, number> {
  const writers = new Map<string, number>()
  ops.forEach((op, i) => {
    const writes = op.f === 'put' || (op.f === 'cas' && op.outcome !== 'fail')
    if (!writes || op.value === null) return
    writers.set(op.value, writers.has(op.value) ? -1 : i)
  })
  return writers
}

/** Rule 4: the first observation of a value overwritten, in real time, before it began. */
function staleObservation(
  ops: readonly Operation[],
  returnTimes: readonly number[],
  observations: ReadonlyArray<readonly [number, number]>,
): PrepassResult | null {
  // Writes that surely took effect by their (possibly clamped) return, by invocation time, with
  // the earliest-returning one among each suffix.
  const overwrites = ops
    .map((_, i) => i)
    .filter((i) => isSureWrite(ops[i]!) && returnTimes[i] !== Infinity)
    .sort((a, b) => ops[a]!.callMs - ops[b]!.callMs)
  const suffixFirst = new Array<number>(overwrites.length)
  for (let k = overwrites.length - 1; k >= 0; k--) {
    const here = overwrites[k]!
    const later = suffixFirst[k + 1]
    suffixFirst[k] = later !== undefined && returnTimes[later]! < returnTimes[here]! ? later : here
  }
  for (const [observer, writer] of observations) {
    const first = firstInvokedAfter(ops, overwrites, returnTimes[writer]!)
    if (first === overwrites.length) continue
    const overwrite = suffixFirst[first]!
    if (returnTimes[overwrite]! < ops[observer]!.callMs) {
      const seen = JSON.stringify(observedValue(ops[observer]!))
      const reason = `observed ${seen} after a later write had replaced it`
      return { kind: 'violation', reason, ops: [observer, writer, overwrite] }
    }
  }
  return null
}

/** Index into `sorted` (by call time) of the first op invoked strictly after `timeMs`. */
function firstInvokedAfter(ops: readonly Operation[], sorted: number[], timeMs: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (ops[sorted[middle]!]!.callMs > timeMs) high = middle
    else low = middle + 1
  }
  return low
}

/** A put, a delete or a cas that swapped: the register holds something new afterwards. */
function isSureWrite(op: Operation): boolean {
  if (op.f === 'put' || op.f === 'delete') return true
  return op.f === 'cas' && op.outcome !== 'fail'
}

/** The value an op saw in the register when its output is known, else null. */
function observedValue(op: Operation): Value {
  if (op.outcome !== 'ok') return null
  if (op.f === 'get') return op.value
  if (op.f === 'cas') return op.expected
  return null
}
