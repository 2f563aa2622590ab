// Goal: the collapse results page shows every run, probe and verdict, self-contained. Method:
// render collapsePage from hand-made lines and read the charts, rows and references back.
import { describe, expect, it } from 'vitest'
import type { CollapseLine, ProbeLine } from './collapse-lines.ts'
import { collapsePage, type CollapseRun } from './collapse-page.ts'

function run(
  system: CollapseLine['system'],
  workload: CollapseLine['workload'],
  consistency: CollapseLine['consistency'],
  p99Us: number,
): CollapseRun {
  const line: CollapseLine = {
    bench: 'collapse',
    system,
    workload,
    consistency,
    clients: 256,
    requests: 5_000,
    reqPerSec: 2_500,
    p50Us: 1_000,
    p99Us,
    p999Us: p99Us * 2,
    maxUs: p99Us * 3,
    errors: system === 'nginx' ? { timeout: 3 } : {},
    backendCallsPerRequest: 0.25,
    readRoles: system === 'shoal' ? { leader: 4, cache: 6 } : null,
    serverCpuUsPerRequest: system === 'shoal' ? 31 : null,
    loadAverage: [3.5, 2, 1],
    cores: 2,
  }
  return {
    line,
    curve: [
      [0, 100],
      [50, 1_000],
      [99, p99Us],
      [99.999, p99Us * 3],
    ],
  }
}

const probe: ProbeLine = {
  bench: 'collapse',
  system: 'varnish',
  consistency: 'ttl-1s',
  probe: 'stale-after-ack',
  reads: 20,
  fresh: 2,
  stale: 18,
  invalid: 0,
  maxVersionsBehind: 7,
  loadAverage: [3.5, 2, 1],
  cores: 2,
}

describe('collapsePage', () => {
  const runs = [
    run('shoal', 'hot', 'strong', 5_000),
    run('varnish', 'hot', 'ttl-1s', 9_000),
    run('shoal', 'zipf', 'eventual', 7_000),
    run('nginx', 'zipf', 'ttl-1s', 8_000),
  ]
  const html = collapsePage({
    title: 'T & co',
    startedAt: 'then',
    runs,
    probes: [probe],
    targets: [
      { target: 'hot strong p99 ms', value: 5, bound: '<= 20', met: true },
      { target: 'x', value: null, bound: '>= 1', met: null },
    ],
  })

  it('collapsePage: two workloads: one chart each, one curve per system of that workload', () => {
    const charts = html.split('<svg ').slice(1)
    expect(charts).toHaveLength(2)
    for (const chart of charts) expect(chart.match(/<polyline/g)).toHaveLength(2)
    expect(charts[0]).toContain('shoal strong')
    expect(charts[1]).toContain('nginx ttl-1s')
  })

  it('collapsePage: figures, probe counts, verdicts and load average: all in the tables', () => {
    expect(html).toContain('<td>7.00</td>') // shoal zipf eventual p99 in ms
    expect(html).toContain('<td>timeout=3</td>')
    expect(html).toContain('<td>leader=4 cache=6</td>')
    expect(html).toContain('<td>0.250</td><td>31</td>') // Shoal's server CPU per request
    expect(html).toContain('<td>0.250</td><td>n/a</td><td>timeout=3</td>') // nginx: none read
    expect(html).toContain('<td>18</td><td>0</td><td>7</td>') // stale, invalid, behind
    expect(html).toContain('class="met">met</td>')
    expect(html).toContain('<td>n/a</td><td>&#62;= 1</td><td>n/a</td>')
    expect(html).toContain('3.5 2 1 on 2 cores')
    expect(html).toContain('<title>T &#38; co</title>')
  })

  it('collapsePage: a ceiling line: its figures in a paragraph; none without one', () => {
    const ceiling = {
      bench: 'collapse',
      ceiling: 'node-hello-world',
      clients: 256,
      requests: 9_000,
      reqPerSec: 4_321,
      p50Us: 2_000,
      p99Us: 12_340,
      p999Us: 20_000,
      maxUs: 30_000,
      errors: {},
      loadAverage: [1, 1, 1],
      cores: 2,
      serverCpuUsPerRequest: 14,
    } as const
    const withCeiling = collapsePage({
      title: 't',
      startedAt: 'then',
      runs,
      probes: [],
      targets: [],
      ceiling,
    })
    expect(withCeiling).toMatch(/hello-world[^<]*4321 req\/s, p50 2\.00 ms, p99 12\.34 ms/)
    expect(withCeiling).toContain('14 µs of server CPU per request')
    expect(html).not.toContain('hello-world')
  })

  it('collapsePage: self-contained: no scripts, stylesheets, images or links', () => {
    expect(html).not.toMatch(/<script|<link|<img|href=|src=|url\(/)
  })
})
