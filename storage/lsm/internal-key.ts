/**
 * Internal key: the user key plus a fixed 25-byte trailer that orders every entry of one user key
 * the way a read wants them (ARCHITECTURE.md "Order inside the LSM"): timestamp descending, then
 * version descending, then sequence number descending. The first entry found for a user key is
 * the one a read returns, and `maxVersions` counts in this order.
 *
 *   +---------------------+--------------+--------------+--------------+------+
 *   | user key (n bytes)  | ~timestamp   | ~version     | ~seq         | kind |
 *   |                     | u64 BE       | u64 BE       | u64 BE       | u8   |
 *   +---------------------+--------------+--------------+--------------+------+
 *
 * `~x` is 2^64 - 1 - x, big-endian, so comparing trailers bytewise sorts the numbers descending.
 * Two internal keys compare by user key (bytewise, shorter first on a common prefix) and then by
 * trailer bytes. Plain key-value writes use timestamp 0 and version 0, so their order is the
 * classic LSM order: newest sequence first.
 *
 * Kind codes are frozen (they are on disk): 0 tombstone, 1 inline value, 2 value-log pointer.
 */
import { assert } from '../../shared/assert.ts'

export const TRAILER_BYTES = 25

export const Kind = { delete: 0, value: 1, pointer: 2 } as const
export type Kind = (typeof Kind)[keyof typeof Kind]

const TWO_32 = 0x100000000

export interface InternalKeyParts {
  readonly userKey: Uint8Array
  readonly timestamp: number
  readonly version: number
  readonly seq: number
  readonly kind: Kind
}

function writeInverted(out: Uint8Array, at: number, value: number): void {
  const hi = Math.floor(value / TWO_32)
  const lo = value >>> 0
  const invHi = 0xffffffff - hi
  const invLo = 0xffffffff - lo
  out[at] = invHi >>> 24
  out[at + 1] = (invHi >>> 16) & 0xff
  out[at + 2] = (invHi >>> 8) & 0xff
  out[at + 3] = invHi & 0xff
  out[at + 4] = invLo >>> 24
  out[at + 5] = (invLo >>> 16) & 0xff
  out[at + 6] = (invLo >>> 8) & 0xff
  out[at + 7] = invLo & 0xff
}

function readInverted(bytes: Uint8Array, at: number): number {
  const invHi =
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
  const invLo =
    ((bytes[at + 4]! << 24) | (bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!) >>> 0
  return (0xffffffff - invHi) * TWO_32 + (0xffffffff - invLo)
}

export function encodeInternalKey(
  userKey: Uint8Array,
  timestamp: number,
  version: number,
  seq: number,
  kind: Kind,
): Uint8Array {
  assert(Number.isSafeInteger(timestamp) && timestamp >= 0, 'timestamp must be a safe u53')
  assert(Number.isSafeInteger(version) && version >= 0, 'version must be a safe u53')
  assert(Number.isSafeInteger(seq) && seq >= 0, 'seq must be a safe u53')
  const out = new Uint8Array(userKey.length + TRAILER_BYTES)
  out.set(userKey, 0)
  const at = userKey.length
  writeInverted(out, at, timestamp)
  writeInverted(out, at + 8, version)
  writeInverted(out, at + 16, seq)
  out[at + 24] = kind
  return out
}

/** The smallest internal key of `userKey`: every entry of that key sorts at or after it. */
export function seekKeyFor(userKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(userKey.length + TRAILER_BYTES)
  out.set(userKey, 0)
  return out
}

/** The largest internal key of `userKey`: every entry of that key sorts at or before it. */
export function lastKeyFor(userKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(userKey.length + TRAILER_BYTES).fill(0xff)
  out.set(userKey, 0)
  return out
}

export function userKeyOf(ikey: Uint8Array): Uint8Array {
  return ikey.subarray(0, ikey.length - TRAILER_BYTES)
}

export function timestampOf(ikey: Uint8Array): number {
  return readInverted(ikey, ikey.length - TRAILER_BYTES)
}

export function versionOf(ikey: Uint8Array): number {
  return readInverted(ikey, ikey.length - TRAILER_BYTES + 8)
}

export function seqOf(ikey: Uint8Array): number {
  return readInverted(ikey, ikey.length - TRAILER_BYTES + 16)
}

export function kindOf(ikey: Uint8Array): Kind {
  return ikey[ikey.length - 1] as Kind
}

/** timestampOf, versionOf, seqOf and kindOf for the internal key ending at `bytes[end]`. */
export function timestampAt(bytes: Uint8Array, end: number): number {
  return readInverted(bytes, end - TRAILER_BYTES)
}

export function versionAt(bytes: Uint8Array, end: number): number {
  return readInverted(bytes, end - TRAILER_BYTES + 8)
}

export function seqAt(bytes: Uint8Array, end: number): number {
  return readInverted(bytes, end - TRAILER_BYTES + 16)
}

export function kindAt(bytes: Uint8Array, end: number): Kind {
  return bytes[end - 1] as Kind
}

export function isValidKind(kind: number): kind is Kind {
  return kind === Kind.delete || kind === Kind.value || kind === Kind.pointer
}

export function decodeInternalKey(ikey: Uint8Array): InternalKeyParts {
  return {
    userKey: userKeyOf(ikey),
    timestamp: timestampOf(ikey),
    version: versionOf(ikey),
    seq: seqOf(ikey),
    kind: kindOf(ikey),
  }
}

/** Same internal key with another kind (used when a value moves to or from the value log). */
export function withKind(ikey: Uint8Array, kind: Kind): Uint8Array {
  const out = ikey.slice()
  out[out.length - 1] = kind
  return out
}

/** Bytewise compare of the user-key parts only. */
export function compareUserKeys(a: Uint8Array, b: Uint8Array): number {
  const la = a.length - TRAILER_BYTES
  const lb = b.length - TRAILER_BYTES
  const n = la < lb ? la : lb
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return la - lb
}

/** The LSM order: user key ascending, then trailer bytes (timestamp, version, seq descending). */
export function compareInternal(a: Uint8Array, b: Uint8Array): number {
  const la = a.length - TRAILER_BYTES
  const lb = b.length - TRAILER_BYTES
  const n = la < lb ? la : lb
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  if (la !== lb) return la - lb
  for (let i = 0; i < TRAILER_BYTES - 1; i++) {
    const d = a[la + i]! - b[lb + i]!
    if (d !== 0) return d
  }
  return 0
}

/** True if the user key part of `ikey` equals `userKey`. */
export function hasUserKey(ikey: Uint8Array, userKey: Uint8Array): boolean {
  if (ikey.length - TRAILER_BYTES !== userKey.length) return false
  for (let i = 0; i < userKey.length; i++) if (ikey[i] !== userKey[i]) return false
  return true
}

/** compareUserKeys(ikey, seekKeyFor(userKey)) without building the seek key. */
export function compareToUserKey(ikey: Uint8Array, userKey: Uint8Array): number {
  const la = ikey.length - TRAILER_BYTES
  const lb = userKey.length
  const n = la < lb ? la : lb
  for (let i = 0; i < n; i++) {
    const d = ikey[i]! - userKey[i]!
    if (d !== 0) return d
  }
  return la - lb
}

/** compareToUserKey for the internal key at bytes[start, end). */
export function compareUserKeyAt(
  bytes: Uint8Array,
  start: number,
  end: number,
  userKey: Uint8Array,
): number {
  const la = end - start - TRAILER_BYTES
  const lb = userKey.length
  const n = la < lb ? la : lb
  for (let i = 0; i < n; i++) {
    const d = bytes[start + i]! - userKey[i]!
    if (d !== 0) return d
  }
  return la - lb
}

/** compareInternal(bytes[start, end), b) without a view of the first key. */
export function compareInternalAt(
  bytes: Uint8Array,
  start: number,
  end: number,
  b: Uint8Array,
): number {
  const la = end - start - TRAILER_BYTES
  const lb = b.length - TRAILER_BYTES
  const n = la < lb ? la : lb
  for (let i = 0; i < n; i++) {
    const d = bytes[start + i]! - b[i]!
    if (d !== 0) return d
  }
  if (la !== lb) return la - lb
  const at = start + la
  for (let i = 0; i < TRAILER_BYTES - 1; i++) {
    const d = bytes[at + i]! - b[lb + i]!
    if (d !== 0) return d
  }
  return 0
}
