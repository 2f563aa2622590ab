// Decoded block: the point-lookup searches (search words past the block's common prefix, full
// keys only among equal words) must agree with a linear scan of the sorted keys. Method: a
// property over blocks of internal keys drawn from a tiny alphabet with a long shared prefix, so
// prefixes end mid-key, words tie, keys end inside the word and probes miss the prefix on
// either side; plus the entry layout (key and value adjacent) read back through the views.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareInternal, encodeInternalKey, Kind, seekKeyFor, userKeyOf } from '../internal-key.ts'
import { BlockBuilder } from './block.ts'
import { userKeysWithHeads } from '../user-keys.test-helper.ts'
import { decodeBlock } from './decoded-block.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

const userKeyArb = userKeysWithHeads(['', 'p', 'pre', 'pref', 'prefix-', 'q'], 7)

function buildBlock(userKeys: readonly Uint8Array[]) {
  const ikeys = userKeys.map((key, i) => encodeInternalKey(key, i % 3, 0, i + 1, Kind.value))
  ikeys.sort(compareInternal)
  const builder = new BlockBuilder()
  ikeys.forEach((k, i) => builder.add(k, new Uint8Array(1 + (i % 70)).fill(i & 0xff)))
  return { ikeys, block: decodeBlock(builder.finish(), 'b', 0) }
}

describe('decoded block', () => {
  it('search: any block and probe: lowerBoundUser and findUser agree with a scan', () => {
    const arb = fc.record({
      keys: fc.array(userKeyArb, { minLength: 1, maxLength: 60 }),
      probes: fc.array(userKeyArb, { maxLength: 20 }),
    })
    fc.assert(
      fc.property(arb, ({ keys, probes }) => {
        const { ikeys, block } = buildBlock(keys)
        for (const probe of [...probes, ...keys]) {
          const scan = ikeys.findIndex((k) => compareInternal(k, seekKeyFor(probe)) >= 0)
          const expected = scan < 0 ? ikeys.length : scan
          expect(block.lowerBoundUser(probe)).toBe(expected)
          const present = scan >= 0 && hex(userKeyOf(ikeys[scan]!)) === hex(probe)
          expect(block.findUser(probe)).toBe(present ? scan : -1)
          expect(block.lowerBound(seekKeyFor(probe))).toBe(expected)
        }
      }),
      { numRuns: 300, seed: 7 },
    )
  })

  it('entries: keys and values of mixed sizes: each view reads back what was added', () => {
    const keys = Array.from({ length: 40 }, (_, i) => new TextEncoder().encode(`k${i * 7}`))
    const { ikeys, block } = buildBlock(keys)
    expect(block.count).toBe(40)
    for (let i = 0; i < block.count; i++) {
      expect(hex(block.keyAt(i))).toBe(hex(ikeys[i]!))
      expect(block.valueAt(i).length).toBe(1 + (i % 70))
      expect(block.valueAt(i).every((b) => b === (i & 0xff))).toBe(true)
    }
    expect(block.keys.map(hex)).toEqual(ikeys.map(hex))
  })
})
