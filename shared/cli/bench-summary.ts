/**
 * The human summary of `shoal bench`: the bench prints one JSON object per measurement
 * (loadtest/bench.ts); lines with the same set of fields form one table, headed by the JSON
 * field names, numbers rounded for reading, nested objects left out (they stay in --json).
 * Lines that are not JSON objects are kept as notes, in order.
 */
import { table } from './format.ts'

export type BenchLine = Readonly<Record<string, unknown>>

/** A JSON object line, or null for anything else (blank, text, arrays). */
export function parseBenchLine(line: string): BenchLine | null {
  const text = line.trim()
  if (!text.startsWith('{')) return null
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as BenchLine)
      : null
  } catch {
    return null
  }
}

/** Numbers at a readable precision: integers as they are, else 3 significant digits. */
export function benchCell(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value)
    return Math.abs(value) >= 100 ? value.toFixed(1) : String(Number(value.toPrecision(3)))
  }
  if (value === null || value === undefined) return '-'
  return String(value)
}

function scalarKeys(line: BenchLine): string[] {
  return Object.keys(line).filter((key) => {
    const value = line[key]
    return value === null || typeof value !== 'object'
  })
}

/** Tables of the measurements, grouped by field set, in first-seen order, then the notes. */
export function benchSummary(lines: readonly BenchLine[], notes: readonly string[]): string {
  const groups = new Map<string, { keys: string[]; rows: string[][] }>()
  for (const line of lines) {
    const keys = scalarKeys(line)
    const id = keys.join('\u0000')
    let group = groups.get(id)
    if (group === undefined) {
      group = { keys, rows: [] }
      groups.set(id, group)
    }
    group.rows.push(keys.map((key) => benchCell(line[key])))
  }
  const parts = [...groups.values()].map((group) => table(group.keys, group.rows))
  if (lines.length === 0) parts.push('(the bench printed no measurements)')
  return [...parts, ...notes].join('\n\n')
}
