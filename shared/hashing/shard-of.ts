/**
 * key -> shard: jumpHash(xxhash64(table, partitionKey), shardCount), as ARCHITECTURE.md's
 * routing section fixes it. (table, partitionKey) is hashed as its encoded partition prefix
 * (shared/keys/item-key.ts), which is unambiguous: ("ab", "c") and ("a", "bc") differ. The sort
 * key is not hashed, so one partition lives on one shard and its scans never cross shards.
 * Frozen: changing the seed or the input bytes moves every key.
 */
import { encodePartitionPrefix } from '../keys/item-key.ts'
import { jumpHash } from './jump-hash.ts'
import { xxhash64 } from './xxhash64.ts'

/** Part of the data placement: never change. */
export const shardHashSeed = 0n

export function partitionHash(table: string, partitionKey: Uint8Array): bigint {
  return xxhash64(encodePartitionPrefix(table, partitionKey), shardHashSeed)
}

export function shardOf(
  key: { table: string; partitionKey: Uint8Array },
  options: { shardCount: number },
): number {
  return jumpHash(partitionHash(key.table, key.partitionKey), options.shardCount)
}
