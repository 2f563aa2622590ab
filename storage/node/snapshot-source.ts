/**
 * SnapshotSource: a consistent stream of one group's LSM key range, the data of a Raft
 * snapshot. It pins an LSM snapshot (a sequence number) and reads the group's applied index
 * from it: every apply batch carries the applied key (state-machine.ts), so the range at that
 * sequence is exactly the state after that index. Items come in key order, every readable
 * version of each key (version history survives), in chunks of about a byte budget; memory
 * is one chunk. A deletion that ends a key's readable versions is sent as a marker, so the
 * receiver hides what it holds below it too. Replica meta keys (applied, snapshot, ingest
 * marker) are not sent: the receiver writes its own.
 *
 * A caller must `close()` it (also on failure) to release the LSM snapshot and its iterator.
 */
import type { Db, Item, Snapshot } from '../lsm/db.ts'
import type { SnapshotItem } from '../multiraft/snapshot-wire.ts'
import { itemBytes } from '../multiraft/snapshot-wire.ts'
import { appliedKey, decodeIndex, groupEnd, groupPrefix, isReplicaMetaKey } from './keys.ts'

export class SnapshotSource {
  /** The applied index the stream's data is the state after. */
  readonly index: number
  readonly #db: Db
  readonly #group: number
  readonly #snapshot: Snapshot
  readonly #nowMs: number
  readonly #keys: Generator<Item>
  /** The rest of the current key's versions (one key can exceed a chunk). */
  #pending: SnapshotItem[] = []
  #done = false
  #closed = false
  bytes = 0
  items = 0

  constructor(db: Db, group: number, nowMs: number) {
    this.#db = db
    this.#group = group
    this.#nowMs = nowMs
    this.#snapshot = db.snapshot()
    const applied = db.getLatest(appliedKey(group), { snapshot: this.#snapshot })
    this.index = applied === undefined ? 0 : decodeIndex(applied.value)
    this.#keys = db.iterate({
      gte: groupPrefix(group),
      lt: groupEnd(group),
      snapshot: this.#snapshot,
      nowMs,
    })
  }

  /** The next items, about `budgetBytes` (at least one); [] at the end. */
  next(budgetBytes: number): SnapshotItem[] {
    const out: SnapshotItem[] = []
    let bytes = 0
    while (bytes < budgetBytes && (this.#pending.length > 0 || this.#fill())) {
      const item = this.#pending.shift()!
      out.push(item)
      bytes += itemBytes(item)
    }
    this.items += out.length
    this.bytes += bytes
    return out
  }

  /** Queues the next key's versions; false at the end of the range. */
  #fill(): boolean {
    while (!this.#done) {
      const step = this.#keys.next()
      if (step.done === true) {
        this.#done = true
        break
      }
      const key = step.value.key
      if (isReplicaMetaKey(key, this.#group)) continue
      const versions = this.#db.versions(key,
        { snapshot: this.#snapshot, nowMs: this.#nowMs, deleteMarker: true })
      for (const v of versions) {
        this.#pending.push({
          key: v.key,
          value: v.value,
          timestamp: v.timestamp,
          version: v.version,
          expiresAtMs: v.expiresAtMs,
          ...(v.deleted === true ? { deleted: true } : {}),
        })
      }
      if (this.#pending.length > 0) return true
    }
    return false
  }

  get done(): boolean {
    return this.#done && this.#pending.length === 0
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#keys.return(undefined)
    this.#snapshot.release()
  }
}
