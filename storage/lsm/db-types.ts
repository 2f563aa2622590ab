/** The public value and option types of the Db facade (db.ts). */
import type { ScanBounds } from './read-path.ts'

export interface Item {
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly timestamp: number
  readonly version: number
  readonly seq: number
  readonly expiresAtMs: number
  /** A deletion marker (only from `versions` with `deleteMarker`); its value is empty. */
  readonly deleted?: true
}

export interface Snapshot {
  readonly seq: number
  release(): void
}

export interface ReadOptions {
  readonly snapshot?: Snapshot
  /** Wall-clock ms for TTL checks; default the db clock. */
  readonly nowMs?: number
}

export interface WriteOptions {
  /** Wait until the WAL is fsynced (group commit). Ignored with `wal: false`. */
  readonly sync?: boolean
}

export interface ItemPutOptions extends WriteOptions {
  readonly timestamp?: number
  readonly version?: number
  /** Per-item TTL from now (db clock). */
  readonly ttlMs?: number
}

export interface VersionsOptions extends ReadOptions {
  readonly limit?: number
  /**
   * Also return the deletion that ends the readable versions (a deletion hides everything
   * older), as an item with `deleted`: a copy of the versions (a Raft snapshot) can then hide
   * what its receiver holds below it.
   */
  readonly deleteMarker?: boolean
}

export interface IterateOptions extends ReadOptions, ScanBounds {
  readonly reverse?: boolean
  readonly limit?: number
}
