// Goal: the percentile chart draws what it is given and nothing external. Method: build curves
// by hand, render percentileSvg, and read the polyline points and labels back out of the SVG.
import { describe, expect, it } from 'vitest'
import { axisLabel, percentileSvg, percentileX, type CurveSeries } from './results-page.ts'

const curve = (scaleUs: number): CurveSeries['curve'] =>
  [0, 50, 90, 99, 99.9, 99.99, 99.999].map((p, i) => [p, (i + 1) * scaleUs] as const)

function pointsOf(svg: string): Array<Array<[number, number]>> {
  return [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) =>
    m[1]!.split(' ').map((pair) => pair.split(',').map(Number) as [number, number]),
  )
}

describe('percentileSvg', () => {
  it('percentileSvg: two series: two polylines, x rising with percentile, y with latency', () => {
    const svg = percentileSvg([
      { label: 'a', curve: curve(1_000) },
      { label: 'b', curve: curve(2_000) },
    ])
    const lines = pointsOf(svg)
    expect(lines).toHaveLength(2)
    for (const points of lines) {
      expect(points).toHaveLength(7)
      for (let i = 1; i < points.length; i++) {
        expect(points[i]![0]).toBeGreaterThan(points[i - 1]![0])
        // SVG y grows downwards: a slower percentile is drawn higher, so y shrinks.
        expect(points[i]![1]).toBeLessThan(points[i - 1]![1])
      }
    }
    // The same percentile of the slower series is drawn above the faster one.
    expect(lines[1]![6]![1]).toBeLessThan(lines[0]![6]![1])
  })

  it('percentileSvg: the largest latency: the top of the axis scale is at or above it', () => {
    const svg = percentileSvg([{ label: 'x', curve: curve(30_000) }])
    // 7 * 30 ms = 210 ms: the axis goes to 250 ms, labelled without exponent notation.
    expect(svg).toContain('>250</text>')
    expect(svg).not.toMatch(/e\+\d/)
  })

  it('percentileSvg: a label with markup: escaped; no scripts or external references', () => {
    const svg = percentileSvg([{ label: '<script>"x"</script>', curve: curve(10) }])
    expect(svg).toContain('&#60;script&#62;&#34;x&#34;')
    expect(svg).not.toMatch(/<script|href=|src=/)
  })

  it('percentileSvg: no series: an empty chart with axes, no polyline', () => {
    const svg = percentileSvg([])
    expect(svg).toMatch(/^<svg [^>]*>.*<\/svg>$/)
    expect(pointsOf(svg)).toHaveLength(0)
  })

  it('percentileX and axisLabel: log axis by nines; labels readable at any scale', () => {
    expect(percentileX(99)).toBeCloseTo(2)
    expect(axisLabel(1_000)).toBe('1000')
    expect(axisLabel(0.125)).toBe('0.125')
    expect(axisLabel(2.5)).toBe('2.5')
  })
})
