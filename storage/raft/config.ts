/**
 * RaftConfig: everything a Raft replica is parameterised by, validated once with plain
 * messages. Time is in ticks (the host decides how long a tick is, e.g. 100 ms).
 */
import { ShoalError } from '../../shared/errors.ts'
import { limits } from '../../shared/limits.ts'
import type { Prng } from '../../shared/random/prng.ts'
import type { Index, NodeId } from './messages.ts'
import type { RaftStorage } from './raft-storage.ts'

/**
 * Deliberate protocol bugs, for the simulator's "can it fail?" tests only. Production code
 * never sets this; each one breaks a rule whose violation the simulator must catch.
 */
export type PlantedBug =
  | 'commit-earlier-term-by-count' // commit any majority-stored index (ignores Figure 8)
  | 'no-log-up-to-date-check' // grant votes regardless of the candidate's log (5.4.1)
  | 'vote-not-persisted' // the host forgets the vote on restart (read by the simulator)
  | 'lease-never-expires' // a leader keeps serving lease reads after losing its quorum
  | 'read-without-readindex' // a leader answers reads at once: no ReadIndex round, no lease

export type ReadMode = 'read-index' | 'lease'

export interface RaftConfig {
  readonly id: NodeId
  readonly storage: RaftStorage
  /** Election jitter: the timeout is uniform in [electionTicks, 2 * electionTicks - 1]. */
  readonly prng: Prng
  readonly electionTicks?: number
  readonly heartbeatTicks?: number
  readonly preVote?: boolean
  readonly checkQuorum?: boolean
  /** 'lease' serves reads without a round trip while the lease holds; needs checkQuorum. */
  readonly readMode?: ReadMode
  /** Lease length; must be <= electionTicks - 2 (one tick of skew each side). */
  readonly leaseTicks?: number
  /** Followers drop proposals instead of forwarding them to the leader. */
  readonly disableProposalForwarding?: boolean
  readonly maxMsgBytes?: number
  readonly maxInflightMsgs?: number
  readonly maxInflightBytes?: number
  readonly maxCommittedBytesPerReady?: number
  /** The index the host's state machine has applied (entries after it are re-delivered). */
  readonly applied?: Index
  readonly plantedBug?: PlantedBug
}

export type ResolvedConfig = Required<Omit<RaftConfig, 'plantedBug' | 'applied'>> & {
  readonly plantedBug: PlantedBug | undefined
  readonly applied: Index
}

function invalid(message: string): ShoalError {
  return new ShoalError('bad-request', `raft config: ${message}`)
}

export function resolveConfig(config: RaftConfig): ResolvedConfig {
  const electionTicks = config.electionTicks ?? 10
  const resolved: ResolvedConfig = {
    id: config.id,
    storage: config.storage,
    prng: config.prng,
    electionTicks,
    heartbeatTicks: config.heartbeatTicks ?? 1,
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    readMode: config.readMode ?? 'read-index',
    leaseTicks: config.leaseTicks ?? electionTicks - 2,
    disableProposalForwarding: config.disableProposalForwarding ?? false,
    maxMsgBytes: config.maxMsgBytes ?? limits.raftMsgBytesMax,
    maxInflightMsgs: config.maxInflightMsgs ?? limits.raftInflightMsgsMax,
    maxInflightBytes: config.maxInflightBytes ?? limits.raftInflightBytesMax,
    maxCommittedBytesPerReady:
      config.maxCommittedBytesPerReady ?? limits.raftCommittedBytesPerReadyMax,
    applied: config.applied ?? 0,
    plantedBug: config.plantedBug,
  }
  validate(resolved)
  return resolved
}

function validate(c: ResolvedConfig): void {
  if (!Number.isSafeInteger(c.id) || c.id <= 0) throw invalid('id must be a positive integer')
  if (!(c.heartbeatTicks >= 1)) throw invalid('heartbeat ticks must be at least 1')
  if (!(c.electionTicks > c.heartbeatTicks)) {
    throw invalid('election ticks must be greater than heartbeat ticks')
  }
  if (c.readMode === 'lease' && !c.checkQuorum) {
    throw invalid('lease reads need checkQuorum (a leader must step down when cut off)')
  }
  if (!(c.leaseTicks >= 1 && c.leaseTicks <= c.electionTicks - 2)) {
    throw invalid('lease ticks must be in [1, election ticks - 2]')
  }
  if (!(c.maxMsgBytes > 0 && c.maxInflightMsgs > 0 && c.maxInflightBytes > 0)) {
    throw invalid('message and inflight limits must be positive')
  }
  if (!(c.maxCommittedBytesPerReady > 0)) throw invalid('committed bytes per ready must be > 0')
  if (!(c.applied >= 0)) throw invalid('applied must not be negative')
}
