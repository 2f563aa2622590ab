/**
 * SnapshotIngest: writes a received snapshot stream into this replica's group range of the LSM,
 * crash-safely. The LSM has no WAL here: after a crash it holds a prefix of the write batches
 * (memtables flush whole and in order), which the steps below rely on:
 *
 *  1. begin: one batch puts the ingest marker (group|ff|snapshot-ingest = index, term). From
 *     the moment it can be durable, a restart finds it and treats the range as partial: the
 *     group takes no Ready and applies nothing until a fresh snapshot is installed.
 *  2. add: each chunk's items are put with their own stamps (timestamp, version, expiry).
 *  3. finish: every key whose latest item predates the ingest (its sequence is at or below the
 *     one the ingest started after) was not in the snapshot, so the leader no longer has it:
 *     a tombstone stamped like that item hides it and every older version. Then ONE batch
 *     writes the applied key (= index), the snapshot key (= index, term) and deletes the
 *     marker, and the LSM is flushed. So the applied index moves only once all data is in,
 *     and only after the flush does the caller tell Raft (host.installSnapshot), so the Raft
 *     log never records a snapshot the LSM could lose.
 *
 * Why stale items need no range delete: the group's state before the ingest (and any partial
 * ingest before it) holds items of the same history as the snapshot, with the same stamps.
 * For each key the snapshot carries its newest readable item, which is at least as new as every
 * older item a replica holds (same stamp: the re-put has a newer sequence and wins), so reads
 * of the latest value, and checksums, match the leader. A key whose readable versions end in a
 * deletion comes with that deletion as a marker (snapshot-wire.ts), written as a tombstone with
 * its stamp, so older versions this replica holds below it stay hidden in `versions` too.
 */
import { ShoalError } from '../../shared/errors.ts'
import type { Db } from '../lsm/db.ts'
import { WriteBatch } from '../lsm/write-batch.ts'
import type { SnapshotItem } from '../multiraft/snapshot-wire.ts'
import {
  appliedKey,
  decodeIndexTerm,
  encodeIndex,
  encodeIndexTerm,
  groupEnd,
  groupPrefix,
  ingestKey,
  isReplicaMetaKey,
  snapshotKey,
} from './keys.ts'

/** Batches are cut here so one chunk never builds an unbounded write batch. */
const batchBytesTarget = 4 * 1024 * 1024

export class SnapshotIngest {
  readonly group: number
  readonly index: number
  readonly term: number
  readonly #db: Db
  readonly #startSeq: number
  items = 0
  bytes = 0

  private constructor(db: Db, group: number, index: number, term: number, startSeq: number) {
    this.#db = db
    this.group = group
    this.index = index
    this.term = term
    this.#startSeq = startSeq
  }

  /** Step 1: the marker batch. */
  static async begin(db: Db, group: number, index: number, term: number): Promise<SnapshotIngest> {
    const startSeq = db.lastSeq
    await db.write(
      new WriteBatch().put(ingestKey(group), encodeIndexTerm(index, term), {
        version: markerVersion(db, group, index),
      }),
    )
    return new SnapshotIngest(db, group, index, term, startSeq)
  }

  /** Whether a restart found a marker: the group's range is partial. */
  static isPartial(db: Db, group: number): boolean {
    return db.getLatest(ingestKey(group)) !== undefined
  }

  /** The last snapshot installed into the group's range, if any. */
  static installed(db: Db, group: number): { index: number; term: number } | undefined {
    const item = db.getLatest(snapshotKey(group))
    return item === undefined ? undefined : decodeIndexTerm(item.value)
  }

  /** Step 2: one chunk's items. */
  async add(items: readonly SnapshotItem[]): Promise<void> {
    let batch = new WriteBatch()
    const lo = groupPrefix(this.group)
    const hi = groupEnd(this.group)
    for (const item of items) {
      if (!inRange(item.key, lo, hi) || isReplicaMetaKey(item.key, this.group)) {
        throw new ShoalError('protocol', `snapshot of group ${this.group}: key outside its range`)
      }
      if (item.deleted === true) {
        batch.delete(item.key, { timestamp: item.timestamp, version: item.version })
      } else {
        batch.put(item.key, item.value, {
          timestamp: item.timestamp,
          version: item.version,
          expiresAtMs: item.expiresAtMs,
        })
      }
      this.items++
      this.bytes += item.key.length + item.value.length
      if (batch.approximateBytes > batchBytesTarget) {
        await this.#db.write(batch)
        batch = new WriteBatch()
      }
    }
    await this.#db.write(batch)
  }

  /** Step 3: hide what the snapshot does not carry, set the applied index, flush. */
  async finish(): Promise<void> {
    let batch = new WriteBatch()
    const snapshot = this.#db.snapshot()
    try {
      for (const item of this.#db.iterate({
        gte: groupPrefix(this.group),
        lt: groupEnd(this.group),
        snapshot,
      })) {
        if (item.seq > this.#startSeq || isReplicaMetaKey(item.key, this.group)) continue
        batch.delete(item.key, { timestamp: item.timestamp, version: item.version })
        if (batch.approximateBytes > batchBytesTarget) {
          await this.#db.write(batch)
          batch = new WriteBatch()
        }
      }
    } finally {
      snapshot.release()
    }
    await this.#db.write(batch)
    await this.#db.write(
      new WriteBatch()
        .put(appliedKey(this.group), encodeIndex(this.index), { version: this.index })
        .put(snapshotKey(this.group), encodeIndexTerm(this.index, this.term), {
          version: this.index,
        })
        .delete(ingestKey(this.group), {
          version: markerVersion(this.#db, this.group, this.index),
        }),
    )
    await this.#db.flush()
  }
}

/** A marker stamp at or above any marker already there, so the newest put or delete wins. */
function markerVersion(db: Db, group: number, index: number): number {
  return Math.max(index, db.getLatest(ingestKey(group))?.version ?? 0)
}

function inRange(key: Uint8Array, lo: Uint8Array, hi: Uint8Array): boolean {
  return Buffer.compare(key, lo) >= 0 && Buffer.compare(key, hi) < 0
}
