/**
 * Per-table retention for the node's LSM: meta keys keep one version; a data key keeps what
 * its table allows (maxVersions, table TTL); a table this replica's catalog does not know (yet)
 * keeps the API maximum. The same rule runs on the node's thread (live catalog) and in the
 * LSM's compaction worker (a copy of the tables taken at each job's start: `retentionFromData`,
 * see DbOptions.portableRetention).
 */
import type { Retention, RetentionFn } from '../lsm/retention.ts'
import { isMetaKey, tableIdOfKey } from './keys.ts'

const keepOne: Retention = { maxVersions: 1 }
/** Versions kept for a table this replica's catalog does not know (yet): the API maximum. */
const unknownTable: Retention = { maxVersions: 1000 }

export interface TableLimits {
  readonly maxVersions: number
  readonly ttlSeconds: number | null
}

/** The retention rule over a table lookup (the live catalog, or a copy of it). */
export function tableRetention(lookup: (tableId: number) => TableLimits | undefined): RetentionFn {
  return (key: Uint8Array): Retention => {
    if (isMetaKey(key)) return keepOne
    const tableId = tableIdOfKey(key)
    const table = tableId === undefined ? undefined : lookup(tableId)
    if (table === undefined) return unknownTable
    return table.ttlSeconds === null
      ? { maxVersions: table.maxVersions }
      : { maxVersions: table.maxVersions, ttlMs: table.ttlSeconds * 1000 }
  }
}

/** The tables as data a worker thread can take: [id, maxVersions, ttlSeconds]. */
export type TableRetentionData = ReadonlyArray<readonly [number, number, number | null]>

export function retentionData(
  tables: ReadonlyArray<TableLimits & { readonly id: number }>,
): TableRetentionData {
  return tables.map((t) => [t.id, t.maxVersions, t.ttlSeconds] as const)
}

/** The compaction worker's side: the rule over a copy of the tables. */
export function retentionFromData(data: unknown): RetentionFn {
  const byId = new Map<number, TableLimits>()
  for (const [id, maxVersions, ttlSeconds] of data as TableRetentionData) {
    byId.set(id, { maxVersions, ttlSeconds })
  }
  return tableRetention((tableId) => byId.get(tableId))
}

export const tableRetentionModuleUrl = import.meta.url
