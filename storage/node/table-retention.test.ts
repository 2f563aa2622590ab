// The node's per-table retention answers the same on its thread (live catalog lookup) and in
// the LSM's compaction worker (rebuilt from a copy of the tables).
import { describe, expect, it } from 'vitest'
import { appliedKey, dataKey } from './keys.ts'
import { retentionData, retentionFromData, tableRetention } from './table-retention.ts'

const tables = [
  { id: 7, maxVersions: 5, ttlSeconds: null },
  { id: 9, maxVersions: 1, ttlSeconds: 30 },
]
const item = (tableId: number): Uint8Array =>
  dataKey(3, { tableId, partitionKey: new Uint8Array([1, 0, 2]), sortKey: new Uint8Array([0]) })

describe('table retention', () => {
  it('live and rebuilt from data: the same answer for meta, known and unknown tables', () => {
    const live = tableRetention((id) => tables.find((t) => t.id === id))
    const copy = retentionFromData(structuredClone(retentionData(tables)))
    const keys = [appliedKey(3), item(7), item(9), item(8)]
    for (const key of keys) expect(copy(key)).toEqual(live(key))
    expect(live(appliedKey(3))).toEqual({ maxVersions: 1 })
    expect(live(item(7))).toEqual({ maxVersions: 5 })
    expect(live(item(9))).toEqual({ maxVersions: 1, ttlMs: 30_000 })
    expect(live(item(8))).toEqual({ maxVersions: 1000 })
  })
})
