/**
 * Majority quorum arithmetic over a set of voters: the committed index (the largest index
 * stored on a majority) and the outcome of an election. Learners are never passed in here.
 */
import type { Index, NodeId } from './messages.ts'

export type VoteResult = 'won' | 'lost' | 'pending'

/** The index that a majority of voters has matched; voters missing from `match` count as 0. */
export function committedIndex(voters: readonly NodeId[], match: (id: NodeId) => Index): Index {
  if (voters.length === 0) return 0
  const indexes = voters.map(match).sort((a, b) => b - a)
  return indexes[Math.floor(voters.length / 2)]!
}

export function voteResult(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  if (voters.length === 0) return 'won' // an empty configuration wins by convention (etcd)
  let granted = 0
  let missing = 0
  for (const id of voters) {
    const vote = votes.get(id)
    if (vote === undefined) missing++
    else if (vote) granted++
  }
  const quorum = Math.floor(voters.length / 2) + 1
  if (granted >= quorum) return 'won'
  if (granted + missing >= quorum) return 'pending'
  return 'lost'
}

/** The `quorum`-th largest of the values: the round a majority has acknowledged. */
export function quorumValue(values: number[], voterCount: number): number {
  const quorum = Math.floor(voterCount / 2) + 1
  if (values.length < quorum) return 0
  values.sort((a, b) => b - a)
  return values[quorum - 1]!
}
