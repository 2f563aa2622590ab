/**
 * Histories as events, the pairing of events into operations, and Shoal's own history format.
 *
 * A history is a sequence of events, in the order they happened. Each client process does one
 * call at a time: an `invoke` event, later followed by its completion (`ok`, `fail` or `info`)
 * from the same process. The three formats the checker reads (shoal, jepsen-etcd, porcupine-kv)
 * are parsed to `HistoryEvent`s, and `pairEvents` turns those into `Operation`s.
 *
 * The `shoal` format: JSON lines (blank lines ignored), one event per line, in time order:
 *
 *   {"process": 3, "type": "invoke", "f": "put", "key": "t/k1", "value": "p3-17", "time": 12.5}
 *   {"process": 3, "type": "ok",     "f": "put", "key": "t/k1", "value": "p3-17", "time": 14.0}
 *   {"process": 4, "type": "invoke", "f": "cas", "key": "t/k1", "expected": "p3-17",
 *    "value": "p4-2", "time": 15}
 *   {"process": 4, "type": "fail",   "f": "cas", "key": "t/k1", "expected": "p3-17",
 *    "value": "p4-2", "time": 16}
 *   {"process": 5, "type": "invoke", "f": "get", "key": "t/k1", "value": null, "time": 17}
 *   {"process": 5, "type": "ok",     "f": "get", "key": "t/k1", "value": "p3-17", "time": 18}
 *
 * (each event is one line in a file; the cas events are wrapped here to fit.)
 *
 * - `process`: a number or string naming the client; one call in flight per process. After an
 *   `info`, the harness should continue under a new process id (Knossos' rule).
 * - `type`: `invoke`; then `ok` (done), `fail` (cas: the comparison failed; any other function:
 *   definitely not applied, so the op is dropped) or `info` (outcome unknown: timeout, reset, 5xx;
 *   the op may or may not take effect at any time after its invocation).
 * - `f`: `get`, `put`, `delete`, `cas`, `append`. `key`: a string (the harness folds tenant and
 *   table into it). `value`: a string or null. For get, null on invoke and the value read (null:
 *   absent) on ok; for put and append the value written; for cas the new value, with
 *   `expected` the value compared against (null: "only if absent"). Delete has no value.
 * - `time`: a number, monotonic (ms from any origin). Completion events may repeat the invoke's
 *   fields; only the get's `value` is taken from the completion.
 *
 * An invoke with no completion by the end of the history is treated as `info`.
 */
import { ShoalError } from '../../shared/errors.ts'
import {
  opFunctions,
  type OpFunction,
  type Operation,
  type Outcome,
  type Value,
} from './operation.ts'

export type EventType = 'invoke' | 'ok' | 'fail' | 'info'

export interface HistoryEvent {
  readonly process: string
  readonly type: EventType
  readonly f: OpFunction
  readonly key: string
  readonly value: Value
  readonly expected: Value
  readonly time: number
  /** 1-based line of the source, for error messages. */
  readonly line: number
}

/** A parsed history: its operations and the register value the format starts from. */
export interface ParsedHistory {
  readonly ops: Operation[]
  readonly initialValue: Value
}

export function historyError(line: number, what: string): ShoalError {
  return new ShoalError('bad-request', `line ${line}: ${what}`)
}

/** Pairs each invoke with its process's next completion; pending invokes become unknown. */
export function pairEvents(events: readonly HistoryEvent[]): Operation[] {
  const pending = new Map<string, HistoryEvent>()
  const ops: Operation[] = []
  const emit = (call: HistoryEvent, done: HistoryEvent | null): void => {
    let outcome: Outcome = 'unknown'
    if (done !== null && done.type !== 'info') {
      if (done.type === 'invoke') throw historyError(done.line, 'not a completion')
      outcome = done.type
    }
    const value = call.f === 'get' ? (outcome === 'ok' ? done!.value : null) : call.value
    ops.push({
      id: ops.length,
      process: call.process,
      f: call.f,
      key: call.key,
      value,
      expected: call.f === 'cas' ? call.expected : null,
      outcome,
      callMs: call.time,
      returnMs: done === null || outcome === 'unknown' ? Infinity : done.time,
    })
  }
  for (const event of events) {
    const call = pending.get(event.process)
    if (event.type === 'invoke') {
      if (call !== undefined) {
        throw historyError(event.line, `process ${event.process} invokes with a call in flight`)
      }
      pending.set(event.process, event)
      continue
    }
    if (call === undefined) {
      throw historyError(event.line, `process ${event.process} completes with no call in flight`)
    }
    if (call.f !== event.f || call.key !== event.key) {
      throw historyError(event.line, `completion does not match the invoke on line ${call.line}`)
    }
    if (event.time < call.time) throw historyError(event.line, 'completes before its invoke')
    pending.delete(event.process)
    emit(call, event)
  }
  for (const call of pending.values()) emit(call, null)
  return ops
}

/** Parses the shoal JSON-lines format documented above. */
export function parseShoalHistory(text: string): ParsedHistory {
  const events: HistoryEvent[] = []
  let lastTime = -Infinity
  text.split('\n').forEach((raw, index) => {
    const line = index + 1
    if (raw.trim() === '') return
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      throw historyError(line, 'not valid JSON')
    }
    const event = shoalEvent(parsed, line)
    if (event.time < lastTime) throw historyError(line, 'time goes backwards')
    lastTime = event.time
    events.push(event)
  })
  return { ops: pairEvents(events), initialValue: null }
}

const eventTypes: readonly string[] = ['invoke', 'ok', 'fail', 'info']

function shoalEvent(parsed: unknown, line: number): HistoryEvent {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw historyError(line, 'an event must be a JSON object')
  }
  const record = parsed as Record<string, unknown>
  const { process, type, f, key, time } = record
  if (typeof process !== 'number' && typeof process !== 'string') {
    throw historyError(line, 'process must be a number or a string')
  }
  if (typeof type !== 'string' || !eventTypes.includes(type)) {
    throw historyError(line, `type must be one of ${eventTypes.join(', ')}`)
  }
  if (typeof f !== 'string' || !(opFunctions as readonly string[]).includes(f)) {
    throw historyError(line, `f must be one of ${opFunctions.join(', ')}`)
  }
  if (typeof key !== 'string') throw historyError(line, 'key must be a string')
  if (typeof time !== 'number' || !Number.isFinite(time)) {
    throw historyError(line, 'time must be a finite number')
  }
  const value = optionalValue(record['value'], 'value', line)
  const expected = optionalValue(record['expected'], 'expected', line)
  if (f !== 'cas' && record['expected'] !== undefined) {
    throw historyError(line, 'only cas has an expected value')
  }
  if ((f === 'put' || f === 'append') && value === null) {
    throw historyError(line, `${f} needs a string value`)
  }
  if (f === 'delete' && value !== null) throw historyError(line, 'delete takes no value')
  if (f === 'cas' && type === 'invoke' && record['expected'] === undefined) {
    throw historyError(line, 'cas needs an expected value (null: only if absent)')
  }
  return {
    process: String(process),
    type: type as EventType,
    f: f as OpFunction,
    key,
    value,
    expected,
    time,
    line,
  }
}

function optionalValue(raw: unknown, name: string, line: number): Value {
  if (raw === undefined || raw === null) return null
  if (typeof raw !== 'string') throw historyError(line, `${name} must be a string or null`)
  return raw
}

/**
 * Writes operations in the shoal format (the inverse of parseShoalHistory, up to op ids): an
 * invoke and a completion per op, ordered by time, completions first at equal times (the checker
 * reads equal times as concurrent either way). An unknown outcome is an `info` completion at a
 * finite return time, else no completion; a process must not invoke again after that (use a new
 * process id, as after any `info`). For the harness, to save a history the CLI can check again.
 */
export function formatShoalHistory(ops: readonly Operation[]): string {
  const events: Array<{ time: number; rank: number; line: string }> = []
  ops.forEach((op, order) => {
    const line = (type: EventType, value: Value, time: number): string => {
      const event: Record<string, unknown> = { process: op.process, type, f: op.f, key: op.key }
      if (op.f === 'cas') event['expected'] = op.expected
      if (op.f !== 'delete') event['value'] = value
      return JSON.stringify({ ...event, time })
    }
    const invokeValue = op.f === 'get' ? null : op.value
    events.push({
      time: op.callMs,
      rank: order * 2 + 1,
      line: line('invoke', invokeValue, op.callMs),
    })
    if (op.outcome === 'unknown' && !Number.isFinite(op.returnMs)) return
    const type: EventType = op.outcome === 'unknown' ? 'info' : op.outcome
    events.push({ time: op.returnMs, rank: order * 2, line: line(type, op.value, op.returnMs) })
  })
  events.sort((a, b) => a.time - b.time || (a.rank & 1) - (b.rank & 1) || a.rank - b.rank)
  return events.map((event) => event.line).join('\n') + '\n'
}
