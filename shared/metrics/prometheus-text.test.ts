// The Prometheus renderer and the bucket histogram: rendered text round-trips through the strict
// test parser (escapes, cumulative buckets, +Inf = count), bad names are refused, and quantile
// estimates from bucket counts stay within one bucket of the exact value on random data.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BucketHistogram,
  bucketIndex,
  countsBetween,
  exponentialBounds,
  quantileOf,
} from './bucket-histogram.ts'
import { parsePrometheusText, sampleValue } from './parse-prometheus.test-helper.ts'
import { renderPrometheusText, single, type MetricFamily } from './prometheus-text.ts'

describe('renderPrometheusText', () => {
  it('renderPrometheusText: counters, gauges, escaped labels: parse back to the same', () => {
    const families: MetricFamily[] = [
      single('counter', 'shoal_reads_total', 'Reads.\nSecond line \\ here', 42),
      {
        type: 'gauge',
        name: 'shoal_weird',
        help: 'Label escapes.',
        samples: [
          { labels: { key: 'a"b\\c\nd' }, value: 1.5 },
          { labels: { key: 'plain' }, value: NaN },
          { labels: { key: 'inf' }, value: Infinity },
        ],
      },
    ]
    const text = renderPrometheusText(families)
    expect(text).toContain('# TYPE shoal_reads_total counter\nshoal_reads_total 42\n')
    expect(text).toContain('shoal_weird{key="a\\"b\\\\c\\nd"} 1.5')
    const parsed = parsePrometheusText(text)
    expect(sampleValue(parsed, 'shoal_reads_total')).toBe(42)
    expect(sampleValue(parsed, 'shoal_weird', { key: 'a"b\\c\nd' })).toBe(1.5)
    expect(sampleValue(parsed, 'shoal_weird', { key: 'plain' })).toBeNaN()
    expect(sampleValue(parsed, 'shoal_weird', { key: 'inf' })).toBe(Infinity)
    expect(parsed.get('shoal_reads_total')?.help).toBe('Reads.\\nSecond line \\\\ here')
  })

  it('renderPrometheusText: a histogram: cumulative buckets, +Inf equals _count', () => {
    const histogram = new BucketHistogram([0.1, 1, 10])
    for (const value of [0.05, 0.1, 0.5, 5, 50, 50]) histogram.observe(value)
    const text = renderPrometheusText([
      {
        type: 'histogram',
        name: 'latency_seconds',
        help: 'Latency.',
        samples: [{ labels: { route: '/x' }, bounds: histogram.bounds, ...histogram.snapshot() }],
      },
    ])
    const parsed = parsePrometheusText(text)
    expect(sampleValue(parsed, 'latency_seconds_bucket', { le: '0.1' })).toBe(2)
    expect(sampleValue(parsed, 'latency_seconds_bucket', { le: '1' })).toBe(3)
    expect(sampleValue(parsed, 'latency_seconds_bucket', { le: '10' })).toBe(4)
    expect(sampleValue(parsed, 'latency_seconds_bucket', { le: '+Inf' })).toBe(6)
    expect(sampleValue(parsed, 'latency_seconds_count', { route: '/x' })).toBe(6)
    expect(sampleValue(parsed, 'latency_seconds_sum')).toBeCloseTo(105.65)
  })

  it('renderPrometheusText: bad names or a counter without _total: refused', () => {
    expect(() => renderPrometheusText([single('gauge', '9bad', 'x', 1)])).toThrow(/metric name/)
    expect(() => renderPrometheusText([single('counter', 'shoal_reads', 'x', 1)])).toThrow(/_total/)
    const badLabel: MetricFamily = {
      type: 'gauge',
      name: 'ok',
      help: 'x',
      samples: [{ labels: { 'bad-name': 'v' }, value: 1 }],
    }
    expect(() => renderPrometheusText([badLabel])).toThrow(/label name/)
    const twice = [single('gauge', 'g', 'x', 1), single('gauge', 'g', 'x', 2)]
    expect(() => renderPrometheusText(twice)).toThrow(/twice/)
  })

  it('parsePrometheusText: malformed text: rejected with the line', () => {
    expect(() => parsePrometheusText('x 1\n')).toThrow(/before its TYPE/)
    expect(() => parsePrometheusText('# TYPE x gauge\nx{a="1} 2\n')).toThrow(/line 2/)
    expect(() => parsePrometheusText('# TYPE x gauge\nx one\n')).toThrow(/bad value/)
    const unordered = '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n'
    expect(() => parsePrometheusText(unordered)).toThrow(/cumulative/)
  })
})

describe('BucketHistogram', () => {
  it('bucketIndex: values on a bound: fall in that bound bucket', () => {
    const bounds = [1, 2, 4]
    expect([0, 1, 1.5, 2, 3, 4, 5].map((v) => bucketIndex(bounds, v))).toEqual([
      0, 0, 1, 1, 2, 2, 3,
    ])
  })

  it('exponentialBounds: grows by the factor and covers the last value', () => {
    const bounds = exponentialBounds(0.001, 2, 1)
    expect(bounds[0]).toBe(0.001)
    expect(bounds[bounds.length - 1]).toBeGreaterThanOrEqual(1)
    expect(bounds.length).toBe(11)
  })

  it('quantileOf: random data: within one bucket of the exact quantile', () => {
    const bounds = exponentialBounds(0.0001, 1.25, 100)
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.0002, max: 50, noNaN: true }), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.constantFrom(0.5, 0.9, 0.99),
        (values, q) => {
          const histogram = new BucketHistogram(bounds)
          for (const value of values) histogram.observe(value)
          const estimate = quantileOf(bounds, histogram.counts, q)!
          const sorted = [...values].sort((a, b) => a - b)
          const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
          // Same bucket or its edge: within a factor 1.25 either way (plus float slack).
          expect(estimate).toBeLessThanOrEqual(exact * 1.25 * 1.0001)
          expect(estimate).toBeGreaterThanOrEqual((exact / 1.25) * 0.9999)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('quantileOf: nothing observed between two snapshots: null', () => {
    const histogram = new BucketHistogram([1, 2])
    histogram.observe(1.5)
    const before = histogram.counts
    expect(quantileOf([1, 2], countsBetween(before, histogram.counts), 0.5)).toBeNull()
    histogram.observe(0.5)
    expect(quantileOf([1, 2], countsBetween(before, histogram.counts), 0.5)).toBe(0.5)
  })

  it('BucketHistogram: decreasing bounds or a NaN observation: assertion', () => {
    expect(() => new BucketHistogram([2, 1])).toThrow(/increase/)
    expect(() => new BucketHistogram([1]).observe(NaN)).toThrow(/finite/)
  })
})
