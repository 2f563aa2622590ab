/**
 * The `porcupine-kv` format: the multi-key histories of Porcupine's kv test data (in
 * ../shared/lincheck-corpus/kv/), one EDN map per line:
 *
 *   {:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}
 *   {:process 0, :type :ok, :f :append, :key "4", :value "x 0 1 y"}
 *   {:process 1, :type :invoke, :f :get, :key "9", :value nil}
 *   {:process 1, :type :ok, :f :get, :key "9", :value "x 0 2 yx 0 5 y"}
 *
 * `:f` is `:get`, `:put` or `:append` (string append). Time is the line number. Porcupine's kv
 * model starts every key at "" and a get of a missing key returns "", so the initial value is "".
 */
import { historyError, pairEvents, type HistoryEvent, type ParsedHistory } from './history.ts'
import type { OpFunction, Value } from './operation.ts'

const quoted = String.raw`"(?:[^"\\]|\\.)*"`
const eventLine = new RegExp(
  String.raw`^\{:process (\d+), :type :(invoke|ok|fail|info), :f :(get|put|append), ` +
    String.raw`:key (${quoted}), :value (nil|${quoted})\}$`,
)

export function parsePorcupineKvHistory(text: string): ParsedHistory {
  const events: HistoryEvent[] = []
  text.split('\n').forEach((raw, index) => {
    const line = index + 1
    if (raw.trim() === '') return
    const match = eventLine.exec(raw.trim())
    if (match === null) throw historyError(line, 'not a porcupine kv event')
    const value: Value = match[5] === 'nil' ? null : ednString(match[5]!, line)
    events.push({
      process: match[1]!,
      type: match[2] as HistoryEvent['type'],
      f: match[3] as OpFunction,
      key: ednString(match[4]!, line),
      value,
      expected: null,
      time: line,
      line,
    })
  })
  return { ops: pairEvents(events), initialValue: '' }
}

/** EDN strings in these files use JSON-compatible escapes. */
function ednString(quoted: string, line: number): string {
  try {
    const parsed: unknown = JSON.parse(quoted)
    if (typeof parsed === 'string') return parsed
  } catch {
    // Fall through to the typed error.
  }
  throw historyError(line, `bad string ${quoted}`)
}
