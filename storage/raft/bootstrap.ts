/**
 * bootstrapStorage: the initial persisted state of a founding member of a new group. The
 * membership is written as committed conf-change entries at term 1 (as etcd does), so a server
 * that joins later learns the whole membership by replicating the log from index 1.
 */
import { encodeConfChange } from './conf-change.ts'
import type { Entry, NodeId } from './messages.ts'
import { MemoryRaftStorage } from './raft-storage.ts'

/** Storage of an initial voter: the membership as committed conf-change entries at term 1. */
export function bootstrapStorage(voters: readonly NodeId[]): MemoryRaftStorage {
  const storage = new MemoryRaftStorage({
    metadata: { index: 0, term: 0, confState: { voters: [...voters], learners: [] } },
    data: new Uint8Array(0),
  })
  const entries: Entry[] = voters.map((id, i) => ({
    term: 1,
    index: i + 1,
    type: 'conf-change',
    data: encodeConfChange({ kind: 'add-voter', nodeId: id }),
  }))
  storage.append(entries)
  storage.setHardState({ term: 1, vote: 0, commit: entries.length })
  return storage
}
