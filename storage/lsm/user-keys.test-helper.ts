/**
 * Generated user keys for search tests: a few shared heads (so keys share prefixes of several
 * lengths, as the search words and prefix compression must handle) and a short tail of 0x00,
 * 'b' and 'c' bytes (0x00 sorts below every head byte and ties words across key lengths).
 */
import fc from 'fast-check'

export function userKeysWithHeads(
  heads: readonly string[],
  tailBytesMax: number,
): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...heads), fc.uint8Array({ maxLength: tailBytesMax }))
    .map(([head, tail]) => {
      const bytes = new Uint8Array(head.length + tail.length)
      bytes.set(new TextEncoder().encode(head))
      bytes.set(
        tail.map((b) => (b % 3 === 0 ? 0 : 0x61 + (b % 3))),
        head.length,
      )
      return bytes
    })
}
