// Goal: elections behave as the Raft paper and etcd specify: pre-vote, check-quorum, lease
// protection of a live leader, leadership transfer and the candidate restriction.
// Method: scenario tests on TestNetwork (real RawNodes and storage, a correct host), driving
// ticks and message delivery by hand and asserting roles, terms and messages.
import { describe, expect, it } from 'vitest'
import { ShoalError } from '../../shared/errors.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { MemoryRaftStorage } from './raft-storage.ts'
import { RawNode } from './raw-node.ts'
import { TestNetwork } from './test-network.ts'

describe('raft elections', () => {
  it('election: campaign with pre-vote: one leader, term bumped exactly once', () => {
    const net = new TestNetwork([1, 2, 3])
    const termBefore = net.raft(1).term
    net.elect(1)
    expect(net.leaders()).toEqual([1])
    expect(net.raft(1).term).toBe(termBefore + 1)
    expect(net.raft(2).lead).toBe(1)
    expect(net.sent.some((m) => m.type === 'pre-vote')).toBe(true)
  })

  it('election: a new leader: termStartIndex is its empty entry, after the inherited log', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    net.propose(1, 'a')
    net.propose(1, 'b')
    net.deliverAll()
    const inherited = net.raft(1).log.lastIndex()
    net.isolate(1)
    net.tickAll(60)
    const next = net.leaders().filter((id) => id !== 1)
    expect(next).toHaveLength(1)
    const leader = net.raft(next[0]!)
    expect(leader.termStartIndex).toBe(inherited + 1)
    expect(leader.log.term(leader.termStartIndex)).toBe(leader.term)
    expect(leader.log.term(leader.termStartIndex - 1)).toBeLessThan(leader.term)
  })

  it('election: randomized timeouts: a leader emerges from ticks alone', () => {
    const net = new TestNetwork([1, 2, 3, 4, 5])
    net.tickAll(40)
    expect(net.leaders()).toHaveLength(1)
  })

  it('pre-vote: a partitioned node: cannot raise its term or disrupt the leader on rejoin', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    const term = net.raft(1).term
    net.isolate(3)
    net.tickAll(100) // ten election timeouts for node 3, alone
    expect(net.raft(3).term).toBe(term)
    net.heal()
    net.tickAll(5)
    expect(net.leaders()).toEqual([1])
    expect(net.raft(1).term).toBe(term)
  })

  it('pre-vote: disabled: the same partitioned node raises its term and deposes the leader', () => {
    const net = new TestNetwork([1, 2, 3], { preVote: false })
    net.elect(1)
    const term = net.raft(1).term
    net.isolate(3)
    net.tickAll(100)
    expect(net.raft(3).term).toBeGreaterThan(term)
    net.heal()
    net.tickAll(30)
    expect(net.raft(1).term).toBeGreaterThan(term) // the contrast that pre-vote prevents
  })

  it('check-quorum: an isolated leader: steps down within one election timeout', () => {
    const net = new TestNetwork([1, 2, 3], { electionTicks: 10 })
    net.elect(1)
    net.isolate(1)
    net.tick(1, 9)
    expect(net.raft(1).role).toBe('leader')
    net.tick(1, 11)
    expect(net.raft(1).role).toBe('follower')
  })

  it('check-quorum: followers in lease: ignore a higher-term vote from a disruptive node', () => {
    const net = new TestNetwork([1, 2, 3], { preVote: false })
    net.elect(1)
    const term = net.raft(1).term
    net.node(3).raw.raft.hup('election') // node 3 campaigns while the leader is alive
    net.process(3)
    net.deliverAll()
    expect(net.raft(2).term).toBe(term)
    expect(net.raft(2).vote).toBe(1)
  })

  it('candidate restriction: a node with a shorter log: cannot win', () => {
    const net = new TestNetwork([1, 2, 3], { checkQuorum: false }) // no leases in the way
    net.elect(1)
    net.cut(1, 3)
    net.propose(1, 'a')
    net.deliverAll()
    net.heal()
    net.isolate(1)
    net.elect(3) // node 3 lacks 'a'; node 2 must refuse
    expect(net.raft(3).role).not.toBe('leader')
    const refusal = net.sent.find((m) => m.type === 'pre-vote-resp' && m.from === 2 && m.to === 3)
    expect(refusal?.reject).toBe(true)
    net.elect(2)
    expect(net.raft(2).role).toBe('leader')
  })

  it('transfer: to a lagging follower: it catches up, leads the next term; proposals pause', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    const term = net.raft(1).term
    net.cut(1, 2)
    net.propose(1, 'x')
    net.deliverAll()
    const result = net.node(1).raw.transferLeader(2)
    expect(result.kind).toBe('transferring')
    expect(net.propose(1, 'during')).toEqual({ kind: 'dropped', reason: 'transferring' })
    net.heal()
    net.tickAll(2) // the heartbeat answer triggers catch-up, then TimeoutNow
    expect(net.leaders()).toEqual([2])
    expect(net.raft(2).term).toBe(term + 1)
    expect(net.sent.some((m) => m.type === 'timeout-now' && m.to === 2)).toBe(true)
    expect(net.appliedTexts(2)).toContain('x')
  })

  it('transfer: to a cut-off follower: aborted after an election timeout', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    net.isolate(3)
    net.node(1).raw.transferLeader(3)
    expect(net.raft(1).leadTransferee).toBe(3)
    net.tickAll(12)
    expect(net.raft(1).leadTransferee).toBe(0)
    expect(net.propose(1, 'after').kind).toBe('appended')
  })

  it('transfer: to itself or a non-member: refused as a value', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    expect(net.node(1).raw.transferLeader(1)).toEqual({ kind: 'dropped', reason: 'invalid-target' })
    expect(net.node(1).raw.transferLeader(9)).toEqual({ kind: 'dropped', reason: 'invalid-target' })
    expect(net.node(2).raw.transferLeader(3)).toEqual({ kind: 'dropped', reason: 'not-leader' })
  })

  it('restart: a voter that crashes after voting: remembers its vote for the term', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    const term = net.raft(2).term
    net.restart(2)
    expect(net.raft(2).term).toBe(term)
    expect(net.raft(2).vote).toBe(1)
  })

  it('config: invalid values: a typed bad-request error naming the problem', () => {
    const base = { id: 1, storage: new MemoryRaftStorage(), prng: new SeededPrng(1) }
    expect(() => new RawNode({ ...base, electionTicks: 1, heartbeatTicks: 1 })).toThrow(
      /election ticks must be greater than heartbeat ticks/,
    )
    expect(() => new RawNode({ ...base, readMode: 'lease', checkQuorum: false })).toThrow(
      ShoalError,
    )
    expect(() => new RawNode({ ...base, leaseTicks: 10 })).toThrow(/lease ticks/)
    expect(() => new RawNode({ ...base, id: 0 })).toThrow(/id must be a positive integer/)
  })
})
