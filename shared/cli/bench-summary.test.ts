// Bench summary: JSON lines become one table per field set with readable numbers; non-JSON
// lines become notes. Method: summarise hand-made lines shaped like loadtest/bench.ts output.
import { describe, expect, it } from 'vitest'
import { benchCell, benchSummary, parseBenchLine } from './bench-summary.ts'

describe('bench summary', () => {
  it('bench summary: lines: JSON objects parse, anything else is null', () => {
    expect(parseBenchLine('{"bench":"lsm","opsPerSec":12.5}')).toEqual({
      bench: 'lsm',
      opsPerSec: 12.5,
    })
    expect(parseBenchLine('results page: /tmp/x.html')).toBeNull()
    expect(parseBenchLine('{not json')).toBeNull()
    expect(parseBenchLine('[1,2]')).toBeNull()
    expect(parseBenchLine('')).toBeNull()
  })
  it('bench summary: numbers: integers kept, fractions to 3 significant digits', () => {
    expect(benchCell(120_000)).toBe('120000')
    expect(benchCell(1234.5678)).toBe('1234.6')
    expect(benchCell(0.012345)).toBe('0.0123')
    expect(benchCell(null)).toBe('-')
    expect(benchCell(true)).toBe('true')
  })
  it('bench summary: two shapes: two tables, nested fields left out, notes last', () => {
    const lines = [
      { bench: 'rpc', system: 'shoal', p50Ms: 0.1234, cpu: { user: 1 } },
      { bench: 'rpc', system: 'http', p50Ms: 0.5 },
      { system: 'etcd', skipped: 'etcd is not installed' },
    ]
    const text = benchSummary(lines, ['results page: /tmp/x.html'])
    expect(text).toBe(
      [
        'bench  system  p50Ms',
        'rpc    shoal   0.123',
        'rpc    http    0.5',
        '',
        'system  skipped',
        'etcd    etcd is not installed',
        '',
        'results page: /tmp/x.html',
      ].join('\n'),
    )
  })
  it('bench summary: no measurements: says so', () => {
    expect(benchSummary([], [])).toBe('(the bench printed no measurements)')
  })
})
