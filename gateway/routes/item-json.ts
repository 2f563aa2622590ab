/**
 * The JSON rendering of stored items in list answers (scan, multi-get, versions): the value is
 * standard base64 because JSON cannot carry bytes; keys are rendered as UTF-8 text (they
 * arrived as percent-decoded UTF-8 through this edge).
 */
import type { StoredItem } from '../backend/gateway-backend.ts'

export interface ItemJson {
  readonly value: string
  readonly contentType: string
  readonly version: number
  readonly timestamp: number
  readonly expiresAtMs: number | null
}

export function itemJson(item: StoredItem): ItemJson {
  return {
    value: Buffer.from(item.value.buffer, item.value.byteOffset, item.value.byteLength).toString(
      'base64',
    ),
    contentType: item.contentType,
    version: item.version,
    timestamp: item.timestamp,
    expiresAtMs: item.expiresAtMs,
  }
}

const keyDecoder = new TextDecoder('utf-8')

export function keyText(bytes: Uint8Array): string {
  return keyDecoder.decode(bytes)
}
