/**
 * Goal: leadership is only offered to a node that can take it at once, in the configured
 * order, and attempts are paced. Method: the pure decision over hand-built leader views (a
 * healthy, an inactive, a probing, a lagging and a non-voting peer), then the pacer over ticks.
 */
import { describe, expect, it } from 'vitest'
import type { NodeId } from '../raft/messages.ts'
import {
  LeaderPreference, maxLagEntries, preferredLeader, type LeaderView,
} from './leader-preference.ts'

type Peer = { active: boolean; replicating: boolean; match: number }
const healthy: Peer = { active: true, replicating: true, match: 1_000 }

function view(self: NodeId, peers: Record<number, Peer>, voters = [1, 2, 3]): LeaderView {
  return { self, voters, lastIndex: 1_000, peer: (id) => peers[id] ?? null }
}

describe('leader preference', () => {
  it('leader preference: the first listed node that can lead wins; none past the leader itself',
    () => {
    expect(preferredLeader([1, 2, 3], view(3, { 1: healthy, 2: healthy }))).toBe(1)
    expect(preferredLeader([1, 2, 3], view(1, { 2: healthy, 3: healthy }))).toBeNull()
    expect(preferredLeader([1, 2, 3], view(2, { 1: healthy, 3: healthy }))).toBe(1)
    // Listed after the leader: staying is better.
    expect(preferredLeader([2, 3], view(2, { 3: healthy }))).toBeNull()
    // The leader is not listed: any listed node that can lead is better.
    expect(preferredLeader([3], view(1, { 2: healthy, 3: healthy }))).toBe(3)
    expect(preferredLeader([], view(1, { 2: healthy }))).toBeNull()
  })

  it('leader preference: skips a node that is silent, probing, lagging, unknown or no voter',
    () => {
    const cases: Array<[string, Record<number, Peer>, number[]]> = [
      ['silent', { 1: { ...healthy, active: false } }, [1, 2, 3]],
      ['probing', { 1: { ...healthy, replicating: false } }, [1, 2, 3]],
      ['lagging', { 1: { ...healthy, match: 1_000 - maxLagEntries - 1 } }, [1, 2, 3]],
      ['unknown', {}, [1, 2, 3]],
      ['no voter', { 1: healthy }, [2, 3]],
    ]
    for (const [why, peers, voters] of cases) {
      expect(preferredLeader([1, 2], view(3, { ...peers, 2: healthy }, voters)), why).toBe(2)
      expect(preferredLeader([1], view(3, { ...peers, 2: healthy }, voters)), why).toBeNull()
    }
    const justInReach = { 1: { ...healthy, match: 1_000 - maxLagEntries } }
    expect(preferredLeader([1], view(3, justInReach))).toBe(1)
  })

  it('leader preference: one attempt per group per retry period', () => {
    const pacer = new LeaderPreference([1], 3)
    const v = view(2, { 1: healthy })
    const attempts = Array.from({ length: 9 }, () => pacer.target(7, v))
    expect(attempts).toEqual([1, null, null, null, 1, null, null, null, 1])
    // Groups are paced apart.
    expect(pacer.target(8, v)).toBe(1)
    // Nothing to do: no attempt is spent, the next tick may try.
    const idle = new LeaderPreference([1], 3)
    expect(idle.target(7, view(1, { 2: healthy }))).toBeNull()
    expect(idle.target(7, v)).toBe(1)
  })
})
