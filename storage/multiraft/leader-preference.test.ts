/**
 * Goal: leadership is only offered to a node that can take it at once, in the configured
 * order, and attempts are paced. Method: the pure decision over hand-built leader views (a
 * healthy, an inactive, a probing, a lagging and a non-voting peer), then the pacer over ticks.
 */
import { describe, expect, it } from 'vitest'
import type { NodeId } from '../raft/messages.ts'
import {
  backoffMax, LeaderPreference, maxLagEntries, preferredLeader, type LeaderView,
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

  it('leader preference: attempts paced per group, backing off while they fail', () => {
    const pacer = new LeaderPreference([1], 2)
    const v = view(2, { 1: healthy })
    // Each attempt after which this node still leads failed: waits of 2, 4, 8 ... ticks.
    const ticks = Array.from({ length: 20 }, () => pacer.target(7, v))
    const attempts = ticks.flatMap((to, tick) => (to === null ? [] : [tick]))
    expect(attempts).toEqual([0, 3, 8, 17])
    expect(ticks.every((to) => to === null || to === 1)).toBe(true)
    // Groups are paced apart.
    expect(pacer.target(8, v)).toBe(1)
    // The node stopped leading (the transfer worked): the group starts afresh.
    pacer.forget(7)
    expect(pacer.target(7, v)).toBe(1)
    expect(pacer.target(7, v)).toBeNull()
    expect(pacer.target(7, v)).toBeNull()
    expect(pacer.target(7, v)).toBe(1)
    // Nothing to do: no attempt is spent, the next tick may try.
    const idle = new LeaderPreference([1], 3)
    expect(idle.target(7, view(1, { 2: healthy }))).toBeNull()
    expect(idle.target(7, v)).toBe(1)
  })

  it('leader preference: backoff stops growing at backoffMax retry periods', () => {
    const pacer = new LeaderPreference([1], 1)
    const v = view(2, { 1: healthy })
    let last = -1
    const gaps: number[] = []
    for (let tick = 0; tick < 400; tick++) {
      if (pacer.target(7, v) === null) continue
      if (last >= 0) gaps.push(tick - last - 1)
      last = tick
    }
    expect(gaps.slice(0, 6)).toEqual([1, 2, 4, 8, 16, 32])
    expect(gaps.slice(5).every((gap) => gap === backoffMax)).toBe(true)
  })
})
