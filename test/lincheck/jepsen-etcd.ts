/**
 * The `jepsen-etcd` format: Jepsen's log of a single etcd register (the histories in
 * ../shared/lincheck-corpus/jepsen-etcd/, from Porcupine's test data). One event per line:
 *
 *   INFO  jepsen.util - 3	:invoke	:cas	[3 0]
 *   INFO  jepsen.util - 3	:ok	:cas	[3 0]
 *   INFO  jepsen.util - 0	:invoke	:read	nil
 *   INFO  jepsen.util - 0	:ok	:read	2
 *   INFO  jepsen.util - 1	:info	:write	:timed-out
 *   INFO  jepsen.util - 2	:fail	:read	:timed-out
 *
 * `<process> <type> <f> <value>` after the `jepsen.util -` prefix, tab or space separated.
 * `:read` is get, `:write` is put, `:cas [from to]` is cas. A `:fail` cas is a failed comparison;
 * a `:fail` read (timed out) is dropped; an `:info` is an unknown outcome. Lines without the
 * numeric-process prefix (nemesis events, other loggers) are skipped. Time is the line number;
 * the single key is "etcd"; integer values become their decimal strings; the register starts
 * absent (nil).
 */
import { historyError, pairEvents, type HistoryEvent, type ParsedHistory } from './history.ts'
import type { OpFunction, Value } from './operation.ts'

export const jepsenEtcdKey = 'etcd'

const eventLine = /jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(\w+)\s+(.*?)\s*$/
const casArgument = /^\[(-?\d+)\s+(-?\d+)\]$/

const functions = new Map<string, OpFunction>([
  ['read', 'get'],
  ['write', 'put'],
  ['cas', 'cas'],
])

export function parseJepsenEtcdHistory(text: string): ParsedHistory {
  const events: HistoryEvent[] = []
  text.split('\n').forEach((raw, index) => {
    const line = index + 1
    const match = eventLine.exec(raw)
    if (match === null) return
    const name = match[3]!
    const f = functions.get(name)
    if (f === undefined) throw historyError(line, `unknown jepsen function :${name}`)
    const type = match[2] as HistoryEvent['type']
    events.push(jepsenEvent(match[1]!, type, f, match[4]!, line))
  })
  return { ops: pairEvents(events), initialValue: null }
}

function jepsenEvent(
  process: string,
  type: HistoryEvent['type'],
  f: OpFunction,
  argument: string,
  line: number,
): HistoryEvent {
  const base = { process, type, f, key: jepsenEtcdKey, time: line, line }
  const unknown = type === 'info' || type === 'fail'
  if (argument === ':timed-out' && unknown) {
    return { ...base, value: null, expected: null }
  }
  if (f === 'cas') {
    const pair = casArgument.exec(argument)
    if (pair === null) throw historyError(line, `cas wants [from to], got ${argument}`)
    return { ...base, value: pair[2]!, expected: pair[1]! }
  }
  return { ...base, value: integerOrNil(argument, line), expected: null }
}

function integerOrNil(argument: string, line: number): Value {
  if (argument === 'nil') return null
  if (!/^-?\d+$/.test(argument)) throw historyError(line, `expected an integer or nil: ${argument}`)
  return argument
}
