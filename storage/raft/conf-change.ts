/**
 * Membership changes, one server at a time. A change is proposed as a 'conf-change' log entry
 * and takes effect on every replica when that entry is applied (RawNode.advance).
 *
 * Safety (Ongaro's thesis, section 4.2, and the 2015 single-server bug fix): two majorities
 * of configurations that differ by one voter overlap, so no two leaders can be elected in one
 * term across the change, PROVIDED a leader never has two changes in flight and never proposes a
 * change before it has committed (and applied) an entry of its own term. Raft enforces both:
 * `pendingConfIndex` is set to the last index when a node becomes leader (covering its own
 * empty entry and any inherited uncommitted change) and a new change is refused until the log
 * is applied past it. New servers join as learners (no vote, no quorum effect) and are promoted
 * to voters once caught up, so adding a server never stalls commits on an empty log.
 *
 * Byte layout of a change (the data of a 'conf-change' entry):
 *
 *   +---------+----------------+
 *   | kind u8 | node id varint |
 *   +---------+----------------+
 *   kind: 1 add-voter (or promote a learner), 2 add-learner, 3 remove
 */
import { ByteReader } from '../../shared/codecs/byte-reader.ts'
import { ByteWriter } from '../../shared/codecs/byte-writer.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { ConfState, NodeId } from './messages.ts'

export type ConfChangeKind = 'add-voter' | 'add-learner' | 'remove'

export interface ConfChange {
  readonly kind: ConfChangeKind
  readonly nodeId: NodeId
}

const kindCodes: Record<ConfChangeKind, number> = { 'add-voter': 1, 'add-learner': 2, remove: 3 }

export function encodeConfChange(change: ConfChange): Uint8Array {
  return new ByteWriter(16).writeU8(kindCodes[change.kind]).writeVarint(change.nodeId).finish()
}

export function decodeConfChange(bytes: Uint8Array): ConfChange {
  const reader = new ByteReader(bytes, 'conf change')
  const code = reader.readU8()
  const nodeId = reader.readVarint()
  const kind = (Object.keys(kindCodes) as ConfChangeKind[]).find((k) => kindCodes[k] === code)
  if (kind === undefined || nodeId === 0 || reader.remaining !== 0) {
    throw new ShoalError('corruption', `bad conf change: kind ${code}, node ${nodeId}`)
  }
  return { kind, nodeId }
}

/** The configuration after applying `change`; idempotent, so replaying a log is harmless. */
export function applyToConfState(conf: ConfState, change: ConfChange): ConfState {
  const voters = conf.voters.filter((id) => id !== change.nodeId)
  const learners = conf.learners.filter((id) => id !== change.nodeId)
  if (change.kind === 'add-voter') voters.push(change.nodeId)
  if (change.kind === 'add-learner') {
    // Demoting a voter to a learner is not supported: it would change the quorum silently.
    if (conf.voters.includes(change.nodeId)) return conf
    learners.push(change.nodeId)
  }
  voters.sort((a, b) => a - b)
  learners.sort((a, b) => a - b)
  return { voters, learners }
}
