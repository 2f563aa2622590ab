/**
 * The checker's dumb twin, for agreement tests (etcd raft's quorum/quick_test.go idea): a history
 * is linearizable iff some order of ALL its ops, keys mixed, respects real time (a before b
 * whenever a returned before b was invoked) and replays legally on a map of registers. It
 * enumerates every such order depth-first. No partitioning, no memo, no pre-pass, its own model
 * code over plain values: exponential, so only for a handful of ops.
 */
import { assert } from '../../shared/assert.ts'
import { isCheckable, type Operation, type Value } from './operation.ts'

/** Enumeration is factorial; this keeps a mistaken call from running for hours. */
const bruteForceOpsMax = 10

export function bruteForceLinearizable(ops: readonly Operation[], initialValue: Value): boolean {
  const kept = ops.filter(isCheckable)
  assert(kept.length <= bruteForceOpsMax, `brute force takes at most ${bruteForceOpsMax} ops`)
  const returnOf = kept.map((op) => (op.outcome === 'unknown' ? Infinity : op.returnMs))
  const used = new Array<boolean>(kept.length).fill(false)
  const state = new Map<string, Value>()
  const read = (key: string): Value => (state.has(key) ? state.get(key)! : initialValue)

  const extend = (placed: number): boolean => {
    if (placed === kept.length) return true
    for (let x = 0; x < kept.length; x++) {
      if (used[x] || !mayGoNext(x)) continue
      const op = kept[x]!
      const before = read(op.key)
      const after = applyOp(op, before)
      if (after === undefined) continue
      used[x] = true
      state.set(op.key, after)
      const found = extend(placed + 1)
      used[x] = false
      state.set(op.key, before)
      if (found) return true
    }
    return false
  }
  /** No unplaced op returned before x was invoked. */
  const mayGoNext = (x: number): boolean =>
    kept.every((_, y) => y === x || used[y] || !(returnOf[y]! < kept[x]!.callMs))
  return extend(0)
}

/** The register's value after op, or undefined if op's known output is impossible here. */
function applyOp(op: Operation, before: Value): Value | undefined {
  const known = op.outcome !== 'unknown'
  switch (op.f) {
    case 'get':
      return !known || op.value === before ? before : undefined
    case 'put':
      return op.value
    case 'delete':
      return null
    case 'append':
      return (before ?? '') + (op.value ?? '')
    case 'cas': {
      const matches = before === op.expected
      if (known && matches !== (op.outcome === 'ok')) return undefined
      return matches ? op.value : before
    }
  }
}
