// Goal: the fast path's URL parsing reads what the item route reads, hands out one frozen
// request per URL, and keeps its memo bounded whatever URLs clients send. Method: parse chosen
// URLs and many distinct ones; compare results, identities and the memo's size.
import { describe, expect, it } from 'vitest'
import { fromUtf8 } from '../../shared/codecs/bytes.ts'
import { defaultEdgeLimits } from '../middleware/edge-env.ts'
import { memoUrlCharsMax, memoUrlsMax, ReadTargets } from './read-target.ts'

describe('read-target', () => {
  it('read-target: a URL: its decoded item and query; the same frozen object each time', () => {
    const targets = new ReadTargets(defaultEdgeLimits)
    const url = '/v1/tables/t-1/keys/a%2Fb%20c?consistency=eventual&maxStalenessMs=250'
    const read = targets.parse(url)
    expect(read).toMatchObject({ table: 't-1', consistency: 'eventual', maxStalenessMs: 250 })
    expect(fromUtf8(read?.partitionKey ?? new Uint8Array())).toBe('a/b c')
    expect(read?.sortKey.length).toBe(0)
    expect(Object.isFrozen(read)).toBe(true)
    expect(targets.parse(url)).toBe(read)
    expect(targets.parse('/v1/tables/t-1/keys/k')).toMatchObject({ consistency: 'strong' })
  })

  it('read-target: what the route would refuse or the app must word: null', () => {
    const targets = new ReadTargets(defaultEdgeLimits)
    const long = 'k'.repeat(defaultEdgeLimits.partitionKeyBytesMax + 1)
    for (const url of [
      '/v1/tables/bad!/keys/k',
      '/v1/tables/t/keys/',
      `/v1/tables/t/keys/${long}`,
      '/v1/tables/t/keys/%ZZ',
      '/v1/tables/t/items/k',
      '/v1/tables/t/keys/k?asOf=1',
      '/v2/tables/t/keys/k',
      '/v1/tables/t/keys/a\\b', // WHATWG URL reads a/b
      '/v1/tables/t/keys/k#f', // WHATWG URL drops the fragment
      '/v1/tables/t/keys/k "x"',
    ]) {
      expect({ url: url.slice(0, 60), read: targets.parse(url) }).toEqual({
        url: url.slice(0, 60),
        read: null,
      })
    }
  })

  it('read-target: a URL read in every generation keeps its object across rotations', () => {
    const targets = new ReadTargets(defaultEdgeLimits)
    const hotUrl = '/v1/tables/t/keys/hot?consistency=eventual'
    const hot = targets.parse(hotUrl)
    const first = targets.parse('/v1/tables/t/keys/k0')
    // Five generations of distinct URLs, the hot one read once in each.
    for (let i = 1; i <= (memoUrlsMax / 2) * 5; i++) {
      targets.parse(`/v1/tables/t/keys/k${i}`)
      if (i % (memoUrlsMax / 4) === 0) expect(targets.parse(hotUrl)).toBe(hot)
      expect(targets.memoSize).toBeLessThanOrEqual(memoUrlsMax)
    }
    expect(targets.parse(hotUrl)).toBe(hot)
    // A URL not read for two generations was dropped: a new (equal) object.
    const again = targets.parse('/v1/tables/t/keys/k0')
    expect(again).not.toBe(first)
    expect(again).toEqual(first)
  })

  it('read-target: many distinct and long URLs: the memo stays within memoUrlsMax', () => {
    const targets = new ReadTargets(defaultEdgeLimits)
    for (let i = 0; i < memoUrlsMax + 10; i++) targets.parse(`/v1/tables/t/keys/k${i}`)
    expect(targets.memoSize).toBeLessThanOrEqual(memoUrlsMax)
    const size = targets.memoSize
    const longUrl = `/v1/tables/t/keys/${'x'.repeat(memoUrlCharsMax)}`
    const first = targets.parse(longUrl)
    expect(first).not.toBeNull()
    expect(targets.parse(longUrl)).not.toBe(first) // parsed again, not memoized
    expect(targets.memoSize).toBe(size)
  })
})
