// Node-side metrics plumbing: statsFamilies turns a core's plain stats object (numbers and
// Maps) into families that render and parse as Prometheus text with the expected names, and
// startMetricsServer serves that text over a real loopback socket (404/405 elsewhere).
import { describe, expect, it } from 'vitest'
import { SilentLogger } from '../log.ts'
import { newRpcServerStats } from '../rpc/rpc-server-stats.ts'
import { startMetricsServer } from './metrics-server.ts'
import { parsePrometheusText, sampleValue } from './parse-prometheus.test-helper.ts'
import { renderPrometheusText } from './prometheus-text.ts'
import { rpcServerFamilies, snakeCase, statsFamilies } from './stats-families.ts'

describe('statsFamilies', () => {
  it('statsFamilies: numbers, gauges and maps: named, typed and labelled', () => {
    const stats = {
      bytesWritten: 4096,
      queueDepth: 3,
      byShard: new Map([
        [1, 10],
        [2, 20],
      ]),
      note: 'skipped',
    }
    const text = renderPrometheusText(
      statsFamilies('shoal_raftlog', stats, {
        gauges: ['queueDepth'],
        labels: { node: 'n1' },
        mapLabel: 'shard',
      }),
    )
    const families = parsePrometheusText(text)
    expect(families.get('shoal_raftlog_bytes_written_total')?.type).toBe('counter')
    expect(families.get('shoal_raftlog_queue_depth')?.type).toBe('gauge')
    expect(sampleValue(families, 'shoal_raftlog_bytes_written_total', { node: 'n1' })).toBe(4096)
    expect(sampleValue(families, 'shoal_raftlog_by_shard_total', { shard: '2' })).toBe(20)
    expect(text).not.toContain('note')
  })

  it('snakeCase: camelCase fields: snake_case names', () => {
    expect(snakeCase('fanInMax')).toBe('fan_in_max')
    expect(snakeCase('requests')).toBe('requests')
    expect(() => snakeCase('bad-name')).toThrow(/camelCase/)
  })
})

describe('startMetricsServer', () => {
  it('startMetricsServer: GET /metrics on loopback: the rendered text; else 404, 405', async () => {
    const stats = newRpcServerStats()
    stats.requests = 7
    const server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      render: () => renderPrometheusText(rpcServerFamilies(stats)),
      logger: new SilentLogger(),
    })
    try {
      const base = `http://127.0.0.1:${server.port}`
      const response = await fetch(`${base}/metrics`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toContain('version=0.0.4')
      const families = parsePrometheusText(await response.text())
      expect(sampleValue(families, 'shoal_rpc_server_requests_total')).toBe(7)
      stats.requests = 9
      const again = parsePrometheusText(await (await fetch(`${base}/metrics`)).text())
      expect(sampleValue(again, 'shoal_rpc_server_requests_total')).toBe(9)
      expect((await fetch(`${base}/other`)).status).toBe(404)
      expect((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405)
    } finally {
      await server.close()
    }
  })
})
