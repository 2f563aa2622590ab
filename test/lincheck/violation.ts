/**
 * Violation: what the checker says when a partition is not linearizable, small enough to read.
 * The search keeps its deepest partial linearization; the op that could not be linearized is the
 * one left out of it with the earliest return (the return entry that forced the search back),
 * and the window is that op plus the ops overlapping it in real time plus the last few ops
 * linearized before it (with the register value after each), sorted by invocation time.
 */
import { assert } from '../../shared/assert.ts'
import { describeOperation, showValue, type Operation, type Value } from './operation.ts'
import { applyToRegister } from './register-model.ts'

/** The window shows at most this many ops; the closest to the blocked op by time are kept. */
const windowOpsMax = 40
/** Linearized ops shown before the blocked op's invocation, for the state it started from. */
const windowLeadingOpsMax = 6

export interface WindowRow {
  readonly op: Operation
  /** Position (0-based) in the partial linearization, or null if not in it. */
  readonly position: number | null
  /** The register after this op in the partial linearization. */
  readonly stateAfter: Value
  readonly role: 'blocked' | 'linearized' | 'not-linearized' | 'writer' | 'overwrite'
  /** The search's return time for the op (+Infinity when unknown and not clamped). */
  readonly returnMs: number
}

export interface Violation {
  readonly key: string
  readonly reason: string
  readonly blocked: Operation
  /** Ops in the deepest partial linearization found (null for a pre-pass finding). */
  readonly linearizedCount: number | null
  /** The register at the end of that partial linearization. */
  readonly stateAtBlock: Value
  readonly window: readonly WindowRow[]
}

export interface PartitionView {
  readonly key: string
  readonly ops: readonly Operation[]
  readonly returnTimes: readonly number[]
  readonly initialValue: Value
}

/** Builds the report from the search's deepest partial linearization (op indices, in order). */
export function violationFromSearch(view: PartitionView, longest: readonly number[]): Violation {
  const position = new Map<number, number>()
  const stateAfter: Value[] = []
  let state = view.initialValue
  longest.forEach((op, i) => {
    const after = applyToRegister(view.ops[op]!, state)
    assert(after !== undefined, 'the partial linearization replays legally')
    state = after
    position.set(op, i)
    stateAfter.push(state)
  })
  let blocked = -1
  view.ops.forEach((_, i) => {
    if (position.has(i)) return
    if (blocked === -1 || view.returnTimes[i]! < view.returnTimes[blocked]!) blocked = i
  })
  const blockedOp = view.ops[blocked]!
  const rows: WindowRow[] = []
  const rowOf = (i: number, role: WindowRow['role']): WindowRow => {
    const at = position.get(i) ?? null
    return {
      op: view.ops[i]!,
      position: at,
      stateAfter: at === null ? null : stateAfter[at]!,
      role,
      returnMs: view.returnTimes[i]!,
    }
  }
  const overlapping = view.ops
    .map((op, i) => i)
    .filter((i) => i !== blocked && overlaps(view, i, blocked))
    .sort((a, b) => distance(view, a, blocked) - distance(view, b, blocked))
    .slice(0, windowOpsMax - windowLeadingOpsMax - 1)
  const leading = longest
    .filter((i) => view.returnTimes[i]! < blockedOp.callMs)
    .slice(-windowLeadingOpsMax)
  rows.push(rowOf(blocked, 'blocked'))
  for (const i of leading) rows.push(rowOf(i, 'linearized'))
  for (const i of overlapping) {
    rows.push(rowOf(i, position.has(i) ? 'linearized' : 'not-linearized'))
  }
  rows.sort((a, b) => a.op.callMs - b.op.callMs || a.op.id - b.op.id)
  return {
    key: view.key,
    reason: 'no order of the ops respects real time and the register model',
    blocked: blockedOp,
    linearizedCount: longest.length,
    stateAtBlock: state,
    window: rows,
  }
}

/** A pre-pass finding: the observing op, then the writes that show the problem. */
export function violationFromPrepass(
  view: PartitionView,
  reason: string,
  ops: readonly number[],
): Violation {
  const window = ops.map((i, k): WindowRow => {
    const op = view.ops[i]!
    const role = k === 0 ? 'blocked' : k === 1 ? 'writer' : 'overwrite'
    return { op, position: null, stateAfter: null, role, returnMs: view.returnTimes[i]! }
  })
  window.sort((a, b) => a.op.callMs - b.op.callMs || a.op.id - b.op.id)
  const blocked = view.ops[ops[0]!]!
  return { key: view.key, reason, blocked, linearizedCount: null, stateAtBlock: null, window }
}

function overlaps(view: PartitionView, a: number, b: number): boolean {
  const opA = view.ops[a]!
  const opB = view.ops[b]!
  return opA.callMs <= view.returnTimes[b]! && opB.callMs <= view.returnTimes[a]!
}

function distance(view: PartitionView, a: number, b: number): number {
  return Math.abs(view.ops[a]!.callMs - view.ops[b]!.callMs)
}

/** The human-readable report: a header, the blocked op, then one line per window op. */
export function renderViolation(violation: Violation): string {
  const shown = showValue
  const lines = [`key ${JSON.stringify(violation.key)}: ${violation.reason}`]
  lines.push(`could not linearize ${describeOperation(violation.blocked)}`)
  if (violation.linearizedCount !== null) {
    const count = violation.linearizedCount
    lines.push(
      `deepest partial linearization: ${count} ops, ending with register = ` +
        shown(violation.stateAtBlock),
    )
  }
  lines.push(`window (${violation.window.length} ops, by invocation time):`)
  const time = (ms: number): string =>
    ms === Infinity ? 'inf' : String(Math.round(ms * 1000) / 1000)
  for (const row of violation.window) {
    const span = `[${time(row.op.callMs)} .. ${time(row.returnMs)}]`.padEnd(24)
    const what = describeOperation(row.op).padEnd(40)
    let note: string
    if (row.role === 'blocked') note = '<-- cannot be linearized here'
    else if (row.role === 'writer') note = '(the only write of that value)'
    else if (row.role === 'overwrite') note = '(replaced it, and returned before the read began)'
    else if (row.position === null) note = 'not linearized'
    else note = `linearized #${row.position + 1} -> ${shown(row.stateAfter)}`
    lines.push(`  ${span} ${what} ${note}`)
  }
  return lines.join('\n')
}
