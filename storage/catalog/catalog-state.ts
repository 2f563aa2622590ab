/**
 * CatalogState: the catalog shard's replicated state machine — the tables and their settings.
 * Pure: commands in (with their Raft index), results out; no I/O. Every replica applying the
 * same entries holds the same state, and `encode()` is its snapshot (sorted, so replicas that
 * agree produce identical bytes).
 *
 * A table's id is the Raft index of the entry that created it. Data commands carry the id, so a
 * dropped and re-created table is a different table whose keyspace starts empty.
 *
 * Snapshot layout (little-endian, lp = varint length + bytes):
 *   u8 format (=1) | varint count | count x (lp name | u64 id | u64 ttlSeconds (0 = none)
 *     | u32 maxVersions | u64 valueBytesMax | u64 createdAtMs)
 */
import type { TableDescription } from '../../shared/api/storage-api.ts'
import { assert } from '../../shared/assert.ts'
import { ByteReader } from '../../shared/codecs/byte-reader.ts'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { fromUtf8, utf8 } from '../../shared/codecs/bytes.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { Command } from '../node/command.ts'

export type CatalogCommand = Extract<Command, { kind: 'create-table' | 'drop-table' }>

export type CatalogApplyResult =
  | { kind: 'created'; table: TableDescription }
  | { kind: 'exists'; table: TableDescription }
  | { kind: 'dropped'; table: TableDescription }
  | { kind: 'not-found' }

const snapshotFormat = 1

export class CatalogState {
  readonly #byName = new Map<string, TableDescription>()
  readonly #byId = new Map<number, TableDescription>()

  apply(index: number, command: CatalogCommand): CatalogApplyResult {
    assert(Number.isSafeInteger(index) && index > 0, 'catalog index must be positive')
    if (command.kind === 'create-table') {
      const existing = this.#byName.get(command.name)
      if (existing !== undefined) return { kind: 'exists', table: existing }
      const table: TableDescription = {
        name: command.name,
        id: index,
        ttlSeconds: command.ttlSeconds,
        maxVersions: command.maxVersions,
        valueBytesMax: command.valueBytesMax,
        createdAtMs: command.createdAtMs,
      }
      this.#insert(table)
      return { kind: 'created', table }
    }
    const existing = this.#byName.get(command.name)
    if (existing === undefined) return { kind: 'not-found' }
    this.#byName.delete(existing.name)
    this.#byId.delete(existing.id)
    return { kind: 'dropped', table: existing }
  }

  #insert(table: TableDescription): void {
    assert(!this.#byName.has(table.name), 'table name must be unique')
    assert(!this.#byId.has(table.id), 'table id must be unique')
    this.#byName.set(table.name, table)
    this.#byId.set(table.id, table)
  }

  byName(name: string): TableDescription | undefined {
    return this.#byName.get(name)
  }

  byId(id: number): TableDescription | undefined {
    return this.#byId.get(id)
  }

  /** All tables ordered by name. */
  list(): TableDescription[] {
    return [...this.#byName.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )
  }

  encode(): Uint8Array {
    const tables = this.list()
    const writer = new ByteWriter(64 + tables.length * 48)
    writer.writeU8(snapshotFormat).writeVarint(tables.length)
    for (const table of tables) {
      writer.writeLengthPrefixed(utf8(table.name)).writeU64(table.id)
      writer.writeU64(table.ttlSeconds ?? 0).writeU32(table.maxVersions)
      writer.writeU64(table.valueBytesMax).writeU64(table.createdAtMs)
    }
    return writer.finish()
  }

  static decode(bytes: Uint8Array, source = 'catalog snapshot'): CatalogState {
    const reader = new ByteReader(bytes, source)
    const format = reader.readU8()
    if (format !== snapshotFormat) {
      throw new ShoalError('corruption', `${source}: unknown catalog format ${format}`)
    }
    const state = new CatalogState()
    const count = reader.readVarint()
    for (let i = 0; i < count; i++) {
      const name = fromUtf8(reader.readLengthPrefixed())
      const id = reader.readU64()
      const ttl = reader.readU64()
      const maxVersions = reader.readU32()
      const valueBytesMax = reader.readU64()
      const createdAtMs = reader.readU64()
      if (state.#byName.has(name) || state.#byId.has(id)) {
        throw new ShoalError('corruption', `${source}: duplicate table ${name}`)
      }
      const ttlSeconds = ttl === 0 ? null : ttl
      state.#insert({ name, id, ttlSeconds, maxVersions, valueBytesMax, createdAtMs })
    }
    if (reader.remaining !== 0) throw new ShoalError('corruption', `${source}: trailing bytes`)
    return state
  }
}
