/**
 * The history formats the checker reads, by name: `shoal` (history.ts), `jepsen-etcd`
 * (jepsen-etcd.ts) and `porcupine-kv` (porcupine-kv.ts); and recognising one from its text.
 */
import { parseShoalHistory, type ParsedHistory } from './history.ts'
import { parseJepsenEtcdHistory } from './jepsen-etcd.ts'
import { parsePorcupineKvHistory } from './porcupine-kv.ts'

export const historyFormats = ['shoal', 'jepsen-etcd', 'porcupine-kv'] as const
export type HistoryFormat = (typeof historyFormats)[number]

export function parseHistory(text: string, format: HistoryFormat): ParsedHistory {
  switch (format) {
    case 'shoal':
      return parseShoalHistory(text)
    case 'jepsen-etcd':
      return parseJepsenEtcdHistory(text)
    case 'porcupine-kv':
      return parsePorcupineKvHistory(text)
  }
}

/** Recognises the format from the first non-blank line; null if it looks like none of them. */
export function detectFormat(text: string): HistoryFormat | null {
  const first =
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  if (first.startsWith('{"') || first.startsWith('{ "')) return 'shoal'
  if (first.startsWith('{:')) return 'porcupine-kv'
  if (/jepsen\.util/.test(text)) return 'jepsen-etcd'
  return null
}
