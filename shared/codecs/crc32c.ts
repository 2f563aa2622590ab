/**
 * CRC32C (Castagnoli), the one checksum used by frames, raft log records, SSTable blocks,
 * WAL records and value-log records. Node's zlib.crc32 is IEEE CRC-32, not CRC32C, so we use
 * @node-rs/crc32 (SSE4.2 hardware path, prebuilt binaries, no install script).
 * Known-answer vector: crc32c("123456789") === 0xe3069283.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32'

export function crc32c(bytes: Uint8Array, initial = 0): number {
  // The binding reads any Uint8Array (its typings say Buffer): no Buffer view per call.
  return nativeCrc32c(bytes as Buffer, initial) >>> 0
}
