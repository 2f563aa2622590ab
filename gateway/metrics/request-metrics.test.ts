// Goal: a series resolved once (seriesFor + observeIn, the fast path's way) records exactly
// what observe() records for the same label set. Method: two RequestMetrics fed the same
// observations each way; their families and counters compared.
import { describe, expect, it } from 'vitest'
import { RequestMetrics } from './request-metrics.ts'

describe('request-metrics', () => {
  it('request-metrics: observeIn on a resolved series: the same families as observe', () => {
    const labels = {
      route: '/v1/tables/:table/keys/:key',
      method: 'GET',
      status: 200,
      consistency: 'eventual' as const,
    }
    const viaObserve = new RequestMetrics()
    const viaSeries = new RequestMetrics()
    const series = viaSeries.seriesFor(labels)
    for (const seconds of [0.0001, 0.002, 0.3, -1]) {
      viaObserve.observe({ ...labels, seconds, errorCode: null })
      viaSeries.observeIn(series, seconds)
    }
    expect(viaSeries.families()).toEqual(viaObserve.families())
    expect(viaSeries.stats).toEqual(viaObserve.stats)
    expect(viaSeries.all.snapshot()).toEqual(viaObserve.all.snapshot())
  })
})
