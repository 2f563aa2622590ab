/**
 * Deep consistency check (db.checkConsistency): level invariants, every table block checksum,
 * and every value-log pointer, in tables and in memtables, resolves to a record with a good
 * checksum that belongs to the same entry (same sequence). Throws a corruption error naming the
 * file; used by crash tests after every recovery.
 */
import { corruption } from '../../shared/errors.ts'
import { joinPath } from '../vfs/vfs.ts'
import { decodePointer } from './entry-value.ts'
import { vlogName } from './file-names.ts'
import { compareUserKeys, Kind, kindOf, seqOf } from './internal-key.ts'
import type { InternalIterator } from './iterator.ts'
import type { Version } from './manifest/version.ts'
import type { Memtable } from './memtable.ts'
import type { TableReader } from './sstable/reader.ts'
import type { VlogReaders } from './value-log/value-log.ts'

export interface ConsistencyInputs {
  readonly dir: string
  readonly version: Version
  readonly memtables: readonly Memtable[]
  readonly table: (fileNo: number) => TableReader
  readonly vlogs: VlogReaders
}

export interface ConsistencyReport {
  readonly tables: number
  readonly entries: number
  readonly pointers: number
}

/** Follows every pointer of `it`; returns how many there were. */
function checkPointers(it: InternalIterator, source: string, input: ConsistencyInputs): number {
  let pointers = 0
  for (it.first(); it.valid(); it.next()) {
    if (kindOf(it.key()) !== Kind.pointer) continue
    const pointer = decodePointer(it.value(), source)
    for (const record of input.vlogs.records(pointer)) {
      // Chunks are written before their sequence number exists: they match on the user key.
      const same =
        pointer.chunks === undefined
          ? seqOf(record.ikey) === seqOf(it.key())
          : compareUserKeys(record.ikey, it.key()) === 0
      if (same) continue
      throw corruption(
        joinPath(input.dir, vlogName(pointer.fileNo)),
        pointer.offset,
        'value-log record belongs to another entry',
      )
    }
    pointers++
  }
  return pointers
}

export function checkConsistency(input: ConsistencyInputs): ConsistencyReport {
  const version = input.version
  version.check()
  let entries = 0
  let pointers = 0
  for (const level of version.levels) {
    for (const file of level) {
      const table = input.table(file.fileNo)
      entries += table.verifyAll()
      pointers += checkPointers(table.iterator(), table.path, input)
    }
  }
  for (const memtable of input.memtables) {
    entries += memtable.count
    pointers += checkPointers(memtable.iterator(), 'memtable', input)
  }
  return { tables: version.fileNos().size, entries, pointers }
}
