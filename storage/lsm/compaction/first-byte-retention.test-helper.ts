// A portable retention for the background-worker tests: by the key's first byte, 'a' keeps
// three versions, 't' has a one-second table TTL, anything else keeps the latest version.
import type { Retention, RetentionFn } from '../retention.ts'

const many: Retention = { maxVersions: 3 }
const ttl: Retention = { maxVersions: 1, ttlMs: 1000 }
const latest: Retention = { maxVersions: 1 }

export function retentionFromData(data: unknown): RetentionFn {
  const scale = (data as { scale: number }).scale
  const scaled: Retention = { maxVersions: many.maxVersions * scale }
  return (key) => (key[0] === 0x61 ? scaled : key[0] === 0x74 ? ttl : latest)
}

export const moduleUrl = import.meta.url
