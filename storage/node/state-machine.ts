/**
 * NodeStateMachine: applies committed Raft entries of every local group to the node's one LSM
 * (opened with `wal: false`: the Raft log is the write-ahead log).
 *
 * Atomicity of "applied": every WriteBatch carries, besides the effects of its entries, the
 * group's applied-index key set to the last entry it covers. A batch is applied to the memtable
 * atomically and memtables are flushed whole and in order, so after a crash the LSM holds a
 * prefix of the applied batches and the applied key names exactly the last entry whose effects
 * survived. Raft replays from there (recovery.md).
 *
 * Determinism: a condition (if-match / if-none-match) and the `created` flag are decided from
 * the replica's own LSM at apply time, evaluated with the command's timestamp as "now" for TTL,
 * so every replica decides the same. Entries of one call that touch the same key are split
 * into consecutive batches, so each one sees the effects of the ones before it.
 *
 * Cost: an unconditional write whose result no local proposer awaits (every write on a
 * follower) skips the read of the current item, which only decides `created`; its result
 * says `created: false` and reaches no one. Conditions are always evaluated, on every replica.
 */
import { ShoalError } from '../../shared/errors.ts'
import type { Entry } from '../raft/messages.ts'
import type { Db } from '../lsm/db.ts'
import { WriteBatch } from '../lsm/write-batch.ts'
import type { StateMachine } from '../multiraft/host.ts'
import type { CatalogApplyResult } from '../catalog/catalog-state.ts'
import { CatalogState } from '../catalog/catalog-state.ts'
import type { Command } from './command.ts'
import { decodeCommand } from './command.ts'
import {
  appliedKey, catalogKey, dataKey, decodeIndex, encodeIndex, encodeStoredValue, keyHash32,
} from './keys.ts'

export type DataApplyResult =
  | { readonly kind: 'ok'; readonly version: number; readonly timestamp: number;
      readonly created: boolean }
  | { readonly kind: 'precondition-failed'; readonly currentVersion: number | null }

export type ApplyResult = { readonly kind: 'noop' } | DataApplyResult | CatalogApplyResult

/** Batches are cut at this size so one apply call cannot build an unbounded batch. */
const batchBytesTarget = 4 * 1024 * 1024

export class NodeStateMachine implements StateMachine<ApplyResult> {
  readonly #db: Db
  readonly #catalogGroup: number
  catalog: CatalogState
  /**
   * The highest write timestamp applied so far. A node that becomes leader issues timestamps
   * no lower than it (storage-node.ts), so a write after a failover is never dated before a
   * write the old leader acknowledged, even when the new leader's clock is behind.
   */
  highestTimestampMs = 0

  constructor(db: Db, catalogGroup: number) {
    this.#db = db
    this.#catalogGroup = catalogGroup
    this.catalog = NodeStateMachine.loadCatalog(db, catalogGroup)
  }

  /** The durable (as of the last open) or current applied index of a group. */
  static appliedIndex(db: Db, group: number): number {
    const item = db.getLatest(appliedKey(group))
    return item === undefined ? 0 : decodeIndex(item.value)
  }

  static loadCatalog(db: Db, group: number): CatalogState {
    const item = db.getLatest(catalogKey(group))
    return item === undefined ? new CatalogState() : CatalogState.decode(item.value)
  }

  async apply(group: number, entries: readonly Entry[],
    awaited: (entry: Entry) => boolean = () => true): Promise<ApplyResult[]> {
    const results: ApplyResult[] = []
    let batch = new WriteBatch()
    // Hashes of the keys in the batch: a repeat (or a rare false one) starts a new batch.
    let touched = new Set<number>()
    let last = 0
    const cut = async (): Promise<void> => {
      if (last === 0) return
      batch.put(appliedKey(group), encodeIndex(last), { version: last })
      await this.#db.write(batch)
      batch = new WriteBatch()
      touched = new Set()
      last = 0
    }
    for (const entry of entries) {
      const command = entry.data.length === 0 ? null : decodeEntryCommand(group, entry)
      if (command !== null && (command.kind === 'put' || command.kind === 'delete')) {
        const key = dataKey(group, command)
        const hash = keyHash32(key)
        if (touched.has(hash) || batch.approximateBytes > batchBytesTarget) await cut()
        touched.add(hash)
        results.push(this.#applyData(batch, key, entry.index, command, awaited(entry)))
      } else if (command !== null && command.kind !== 'noop') {
        if (group !== this.#catalogGroup) {
          throw new ShoalError('corruption', `group ${group}: catalog command at ${entry.index}`)
        }
        const result = this.catalog.apply(entry.index, command)
        batch.put(catalogKey(group), this.catalog.encode(), { version: entry.index })
        results.push(result)
      } else {
        results.push({ kind: 'noop' })
      }
      last = entry.index
    }
    await cut()
    return results
  }

  #applyData(batch: WriteBatch, key: Uint8Array, index: number,
    command: Extract<Command, { kind: 'put' | 'delete' }>, awaited: boolean): DataApplyResult {
    const condition = command.condition
    const current = condition.kind === 'none' && !awaited ? undefined
      : this.#db.getLatest(key, { nowMs: command.timestamp })
    const holds =
      condition.kind === 'none' ||
      (condition.kind === 'if-match' && current?.version === condition.version) ||
      (condition.kind === 'if-none-match' && current === undefined)
    if (!holds) return { kind: 'precondition-failed', currentVersion: current?.version ?? null }
    if (command.timestamp > this.highestTimestampMs) this.highestTimestampMs = command.timestamp
    const stamp = { timestamp: command.timestamp, version: index }
    if (command.kind === 'put') {
      batch.put(key, encodeStoredValue(command.contentType, command.value),
        { ...stamp, expiresAtMs: command.expiresAtMs ?? 0 })
      return { kind: 'ok', version: index, timestamp: command.timestamp,
        created: awaited && current === undefined }
    }
    batch.delete(key, stamp)
    return { kind: 'ok', version: index, timestamp: command.timestamp, created: false }
  }
}

function decodeEntryCommand(group: number, entry: Entry): Command {
  try {
    return decodeCommand(entry.data)
  } catch (error) {
    throw new ShoalError('corruption',
      `group ${group}: entry ${entry.index} is not a command: ${String(error)}`)
  }
}
