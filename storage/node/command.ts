/**
 * Command: the payload of a data or catalog Raft entry, i.e. what the replicated state machine
 * applies. It is stored in the Raft log on disk, so this layout is a disk format: codes are
 * frozen and only appended, and the test pins known-answer vectors.
 *
 * Every command starts with a format byte and a kind byte (little-endian, lp = varint length
 * followed by that many bytes):
 *
 *   u8 format (=1) | u8 kind | body
 *
 *   Put    (1): u64 tableId | lp partitionKey | lp sortKey | u64 timestamp
 *               | u64 expiresAtMs (0 = none)
 *               | u8 condition | u64 conditionVersion | lp contentType | lp value
 *   Delete (2): u64 tableId | lp partitionKey | lp sortKey | u64 timestamp
 *               | u8 condition | u64 conditionVersion
 *   CreateTable (3): lp name | u64 ttlSeconds (0 = none) | u32 maxVersions | u64 valueBytesMax
 *               | u64 createdAtMs
 *   DropTable   (4): lp name
 *   Noop        (5): (empty) — a new leader's first entry, so it can commit earlier terms
 *
 *   condition: 0 none | 1 if-match (conditionVersion) | 2 if-none-match (conditionVersion = 0)
 *
 * Data commands name their table by id (the catalog index that created it), never by name:
 * replicas apply without consulting the catalog, so apply stays deterministic, and a dropped and
 * re-created table never sees the old table's items. The leader resolves name -> id on propose.
 *
 * Timestamps are decided by the leader before proposing (its HLC, or the caller's), so every
 * replica applies the same bytes. The version of a write is the entry's Raft index, known only
 * at apply time, and a condition is checked at apply time against the replica's own state, which
 * is identical on every replica at that index: a CAS is one entry, checked and applied together.
 */
import { assertNever } from '../../shared/assert.ts'
import { ByteReader } from '../../shared/codecs/byte-reader.ts'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { fromUtf8, utf8 } from '../../shared/codecs/bytes.ts'
import { ShoalError } from '../../shared/errors.ts'

/** Part of the disk format. Never renumber; only append. */
export const CommandKind = { put: 1, delete: 2, createTable: 3, dropTable: 4, noop: 5 } as const
/** Part of the disk format. Never renumber; only append. */
export const ConditionCode = { none: 0, ifMatch: 1, ifNoneMatch: 2 } as const
const formatVersion = 1

export type WriteCondition =
  { kind: 'none' } | { kind: 'if-match'; version: number } | { kind: 'if-none-match' }

export interface ItemRef {
  tableId: number
  partitionKey: Uint8Array
  sortKey: Uint8Array
}

export type Command =
  | (ItemRef & {
      kind: 'put'
      timestamp: number
      expiresAtMs: number | null
      condition: WriteCondition
      contentType: string
      value: Uint8Array
    })
  | (ItemRef & { kind: 'delete'; timestamp: number; condition: WriteCondition })
  | {
      kind: 'create-table'
      name: string
      ttlSeconds: number | null
      maxVersions: number
      valueBytesMax: number
      createdAtMs: number
    }
  | { kind: 'drop-table'; name: string }
  | { kind: 'noop' }

function writeItemRef(writer: ByteWriter, ref: ItemRef): void {
  writer.writeU64(ref.tableId)
  writer.writeLengthPrefixed(ref.partitionKey)
  writer.writeLengthPrefixed(ref.sortKey)
}

function writeCondition(writer: ByteWriter, condition: WriteCondition): void {
  switch (condition.kind) {
    case 'none':
      writer.writeU8(ConditionCode.none).writeU64(0)
      return
    case 'if-match':
      writer.writeU8(ConditionCode.ifMatch).writeU64(condition.version)
      return
    case 'if-none-match':
      writer.writeU8(ConditionCode.ifNoneMatch).writeU64(0)
      return
    default:
      assertNever(condition)
  }
}

/** Big enough for the whole command, so the writer never grows (one allocation, no copy). */
function encodedBytesBound(command: Command): number {
  switch (command.kind) {
    case 'put':
      return 96 + command.partitionKey.length + command.sortKey.length +
        command.contentType.length * 3 + command.value.length
    case 'delete':
      return 96 + command.partitionKey.length + command.sortKey.length
    case 'create-table':
    case 'drop-table':
      return 96 + command.name.length * 3
    case 'noop':
      return 96
  }
}

export function encodeCommand(command: Command): Uint8Array {
  const writer = new ByteWriter(encodedBytesBound(command))
  writer.writeU8(formatVersion)
  switch (command.kind) {
    case 'put':
      writer.writeU8(CommandKind.put)
      writeItemRef(writer, command)
      writer.writeU64(command.timestamp).writeU64(command.expiresAtMs ?? 0)
      writeCondition(writer, command.condition)
      writer.writeLengthPrefixed(utf8(command.contentType))
      writer.writeLengthPrefixed(command.value)
      break
    case 'delete':
      writer.writeU8(CommandKind.delete)
      writeItemRef(writer, command)
      writer.writeU64(command.timestamp)
      writeCondition(writer, command.condition)
      break
    case 'create-table':
      writer.writeU8(CommandKind.createTable)
      writer.writeLengthPrefixed(utf8(command.name))
      writer.writeU64(command.ttlSeconds ?? 0).writeU32(command.maxVersions)
      writer.writeU64(command.valueBytesMax).writeU64(command.createdAtMs)
      break
    case 'drop-table':
      writer.writeU8(CommandKind.dropTable).writeLengthPrefixed(utf8(command.name))
      break
    case 'noop':
      writer.writeU8(CommandKind.noop)
      break
    default:
      assertNever(command)
  }
  return writer.view()
}

function readItemRef(reader: ByteReader): ItemRef {
  const tableId = reader.readU64()
  const partitionKey = reader.readLengthPrefixed().slice()
  const sortKey = reader.readLengthPrefixed().slice()
  return { tableId, partitionKey, sortKey }
}

function readCondition(reader: ByteReader): WriteCondition {
  const code = reader.readU8()
  const version = reader.readU64()
  if (code === ConditionCode.none) return { kind: 'none' }
  if (code === ConditionCode.ifMatch) return { kind: 'if-match', version }
  if (code === ConditionCode.ifNoneMatch) return { kind: 'if-none-match' }
  throw new ShoalError('corruption', `unknown write condition code ${code}`)
}

/** Decodes a command; bytes that are not a valid command are a `corruption` ShoalError. */
export function decodeCommand(bytes: Uint8Array): Command {
  const reader = new ByteReader(bytes, 'raft command')
  const format = reader.readU8()
  if (format !== formatVersion) {
    throw new ShoalError('corruption', `unknown command format ${format}`)
  }
  const command = decodeBody(reader, reader.readU8())
  if (reader.remaining !== 0) {
    throw new ShoalError('corruption', `${reader.remaining} trailing bytes after a command`)
  }
  return command
}

function decodeBody(reader: ByteReader, kind: number): Command {
  switch (kind) {
    case CommandKind.put: {
      const ref = readItemRef(reader)
      const timestamp = reader.readU64()
      const expires = reader.readU64()
      const condition = readCondition(reader)
      const contentType = fromUtf8(reader.readLengthPrefixed())
      const value = reader.readLengthPrefixed().slice()
      const expiresAtMs = expires === 0 ? null : expires
      return { kind: 'put', ...ref, timestamp, expiresAtMs, condition, contentType, value }
    }
    case CommandKind.delete: {
      const ref = readItemRef(reader)
      const timestamp = reader.readU64()
      return { kind: 'delete', ...ref, timestamp, condition: readCondition(reader) }
    }
    case CommandKind.createTable: {
      const name = fromUtf8(reader.readLengthPrefixed())
      const ttl = reader.readU64()
      const maxVersions = reader.readU32()
      const valueBytesMax = reader.readU64()
      const createdAtMs = reader.readU64()
      const ttlSeconds = ttl === 0 ? null : ttl
      return { kind: 'create-table', name, ttlSeconds, maxVersions, valueBytesMax, createdAtMs }
    }
    case CommandKind.dropTable:
      return { kind: 'drop-table', name: fromUtf8(reader.readLengthPrefixed()) }
    case CommandKind.noop:
      return { kind: 'noop' }
    default:
      throw new ShoalError('corruption', `unknown command kind ${kind}`)
  }
}
