/**
 * Operation: one client call on one key of the register store, as the checker sees it after the
 * history's invoke and completion events have been paired (see history.ts for the event formats).
 *
 * The model behind it is a register per key (register-model.ts): `get -> value|null`, `put(v)`,
 * `delete`, `cas(expected, new) -> ok|fail`, and `append(v)` (string append, for Porcupine's kv
 * histories). What the client learned is the `outcome`:
 *
 * - `ok`: the call took effect and returned; a get's `value` is what it read.
 * - `fail`: for cas, the comparison failed (a valid observed result, checked against the model).
 *   For any other function it means "definitely not applied" and the checker drops the op.
 * - `unknown`: a timeout or reset (Jepsen's `info`). The op may or may not have taken effect; it
 *   returns at +infinity and its output is not checked. An unknown get is dropped (reads have no
 *   effect, so there is nothing to check).
 */
import { ShoalError } from '../../shared/errors.ts'

export type Value = string | null
export const opFunctions = ['get', 'put', 'delete', 'cas', 'append'] as const
export type OpFunction = (typeof opFunctions)[number]
export const outcomes = ['ok', 'fail', 'unknown'] as const
export type Outcome = (typeof outcomes)[number]

export interface Operation {
  /** Position in the input, stable across partitioning; reports name ops by it (`#12`). */
  readonly id: number
  readonly process: string
  readonly f: OpFunction
  readonly key: string
  /** get: the value read (ok only); put and append: the value written; cas: the new value. */
  readonly value: Value
  /** cas only: the value compared against (null: "only if absent"). Null for the others. */
  readonly expected: Value
  readonly outcome: Outcome
  /** Invocation time, any monotonic unit (ms for Shoal histories, line numbers for Jepsen). */
  readonly callMs: number
  /** Completion time; ignored (taken as +infinity) when the outcome is unknown. */
  readonly returnMs: number
}

/** Throws a typed bad-request error naming the op if it cannot be checked as given. */
export function validateOperation(op: Operation): void {
  const at = `op #${op.id} (process ${op.process})`
  const fail = (what: string): never => {
    throw new ShoalError('bad-request', `${at}: ${what}`)
  }
  if (!Number.isSafeInteger(op.id) || op.id < 0) fail('id must be a non-negative integer')
  if (!(opFunctions as readonly string[]).includes(op.f)) fail(`unknown function ${op.f}`)
  if (!(outcomes as readonly string[]).includes(op.outcome)) fail(`bad outcome ${op.outcome}`)
  if (typeof op.key !== 'string') fail('key must be a string')
  if (op.value !== null && typeof op.value !== 'string') fail('value must be a string or null')
  if (op.expected !== null && typeof op.expected !== 'string') {
    fail('expected must be a string or null')
  }
  if (op.f !== 'cas' && op.expected !== null) fail(`${op.f} takes no expected value`)
  if ((op.f === 'put' || op.f === 'append') && op.value === null) fail(`${op.f} needs a value`)
  if (op.f === 'delete' && op.value !== null) fail('delete takes no value')
  if (!Number.isFinite(op.callMs)) fail('call time must be a finite number')
  if (op.outcome !== 'unknown') {
    if (!Number.isFinite(op.returnMs)) fail('return time must be a finite number')
    if (op.returnMs < op.callMs) fail('returns before it is invoked')
  }
}

/** Whether the checker keeps the op: definitely-not-applied ops and unknown reads carry nothing. */
export function isCheckable(op: Operation): boolean {
  if (op.outcome === 'fail') return op.f === 'cas'
  if (op.outcome === 'unknown') return op.f !== 'get'
  return true
}

/** Values longer than this are shown by their ends (appended strings grow long). */
const shownValueCharsMax = 40

/** A value for humans: `nil`, a JSON string, or a long one's ends and its length. */
export function showValue(value: Value): string {
  if (value === null) return 'nil'
  if (value.length <= shownValueCharsMax) return JSON.stringify(value)
  const half = shownValueCharsMax / 2
  return (
    `${JSON.stringify(value.slice(0, half))}...${JSON.stringify(value.slice(-half))}` +
    ` (${value.length} chars)`
  )
}

/** One readable line: `#12 p3 cas("a" -> "b") fail`. */
export function describeOperation(op: Operation): string {
  const shown = showValue
  const result = op.outcome === 'unknown' ? ' ?' : ''
  let call: string
  switch (op.f) {
    case 'get':
      call = `get -> ${shown(op.value)}`
      break
    case 'put':
    case 'append':
      call = `${op.f}(${shown(op.value)})`
      break
    case 'delete':
      call = 'delete'
      break
    case 'cas':
      call = `cas(${shown(op.expected)} -> ${shown(op.value)}) ${op.outcome}`
      return `#${op.id} p${op.process} ${call}`
  }
  return `#${op.id} p${op.process} ${call}${result}`
}
