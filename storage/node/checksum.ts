/**
 * Per-shard checksum: a CRC32C over every readable item of one group (key, value, version,
 * timestamp, expiry) in key order, with the applied index it was taken at. Replicas that
 * applied the same prefix of the log give the same answer, so tests compare them.
 */
import { z } from 'zod'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { crc32c } from '../../shared/codecs/crc32c.ts'
import type { Db } from '../lsm/db.ts'
import { groupEnd, groupPrefix, isMetaKey } from './keys.ts'

export const ShardChecksumRequest = z.object({ shard: z.number().int().nonnegative() })
export const ShardChecksumResponse = z.object({
  appliedIndex: z.number().int().nonnegative(),
  items: z.number().int().nonnegative(),
  checksum: z.number().int().nonnegative(),
})
export type ShardChecksumResponse = z.infer<typeof ShardChecksumResponse>

export function shardChecksum(db: Db, group: number, appliedIndex: number):
  ShardChecksumResponse {
  let crc = 0
  let items = 0
  for (const item of db.iterate({ gte: groupPrefix(group), lt: groupEnd(group) })) {
    if (isMetaKey(item.key)) continue
    items++
    const stamp = new ByteWriter(24).writeU64(item.version).writeU64(item.timestamp)
      .writeU64(item.expiresAtMs).finish()
    crc = crc32c(item.key, crc)
    crc = crc32c(item.value, crc)
    crc = crc32c(stamp, crc)
  }
  return { appliedIndex, items, checksum: crc >>> 0 }
}
