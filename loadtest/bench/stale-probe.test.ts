// Goal: the stale-after-ack accounting classifies every read exactly. Method: feed scripted
// write acknowledgements and read outcomes into a StaleProbeTally and check verdicts and counts.
import { describe, expect, it } from 'vitest'
import { StaleProbeTally } from './stale-probe.ts'

describe('StaleProbeTally', () => {
  it('StaleProbeTally: a read of the last acknowledged value: fresh', () => {
    const tally = new StaleProbeTally('v0')
    tally.acknowledged('v1')
    expect(tally.observed(200, 'v1')).toBe('fresh')
    expect(tally.counts()).toEqual({
      probe: 'stale-after-ack',
      reads: 1,
      fresh: 1,
      stale: 0,
      invalid: 0,
      maxVersionsBehind: 0,
    })
  })

  it('StaleProbeTally: reads of older acknowledged values: stale, versions behind kept', () => {
    const tally = new StaleProbeTally('v0')
    tally.acknowledged('v1')
    expect(tally.observed(200, 'v0')).toBe('stale')
    tally.acknowledged('v2')
    tally.acknowledged('v3')
    expect(tally.observed(200, 'v1')).toBe('stale')
    expect(tally.observed(200, 'v3')).toBe('fresh')
    expect(tally.counts()).toMatchObject({ reads: 3, fresh: 1, stale: 2, maxVersionsBehind: 2 })
  })

  it('StaleProbeTally: an error status or a never-written body: invalid, not stale', () => {
    const tally = new StaleProbeTally('v0')
    tally.acknowledged('v1')
    expect(tally.observed(503, 'v1')).toBe('invalid')
    expect(tally.observed(200, 'v9')).toBe('invalid')
    expect(tally.observed(404, '')).toBe('invalid')
    expect(tally.counts()).toMatchObject({ reads: 3, fresh: 0, stale: 0, invalid: 3 })
  })

  it('StaleProbeTally: before any write: the initial value is the expected one', () => {
    const tally = new StaleProbeTally('v0')
    expect(tally.expected).toBe('v0')
    expect(tally.observed(200, 'v0')).toBe('fresh')
  })

  it('StaleProbeTally: a value written twice: rejected, reads could not be told apart', () => {
    const tally = new StaleProbeTally('v0')
    tally.acknowledged('v1')
    expect(() => tally.acknowledged('v0')).toThrow(/already written/)
  })
})
