/**
 * The coalescing key: which reads may share a flight. It holds the tenant, the table, the
 * encoded item key and a read variant (e.g. `asOf=...`; reads that differ in anything that
 * changes the answer must never share a flight). Layout, as a string used as a Map key:
 *
 *   <tenant length>:<tenant><variant length>:<variant><item key bytes, one char per byte>
 *
 * Length prefixes keep it unambiguous whatever the tenant or variant contain; the item key is
 * last because its own encoding (shared/keys/item-key.ts) is self-delimiting up to the end.
 */
import { encodeItemKey, type ItemKey } from '../../shared/keys/item-key.ts'

export interface CoalescingKeyParts extends ItemKey {
  /** The authenticated tenant (API key owner); never taken from the request path alone. */
  readonly tenant: string
  /** Anything else that changes the answer, '' for a plain current read. */
  readonly variant: string
}

export function coalescingKey(parts: CoalescingKeyParts): string {
  const bytes = encodeItemKey(parts)
  let itemKey = ''
  // Chunked to keep String.fromCharCode's argument count small.
  for (let offset = 0; offset < bytes.length; offset += 4096) {
    itemKey += String.fromCharCode(...bytes.subarray(offset, offset + 4096))
  }
  return `${parts.tenant.length}:${parts.tenant}${parts.variant.length}:${parts.variant}${itemKey}`
}
