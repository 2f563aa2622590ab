// Goal: linearizable reads (ReadIndex and leases) are never stale, leases expire and are
// revoked by transfers, and one-at-a-time membership changes stay safe across failures.
// Method: scenario tests on TestNetwork; reads are checked against writes applied before them.
import { describe, expect, it } from 'vitest'
import { MemoryRaftStorage } from './raft-storage.ts'
import { TestNetwork } from './test-network.ts'

const ctx = (n: number) => new Uint8Array([n])

describe('raft reads', () => {
  it('read index: at the leader: answered after a heartbeat quorum, at the commit index', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    net.propose(1, 'w')
    net.deliverAll()
    const commit = net.raft(1).log.committed
    net.node(1).raw.readIndex(ctx(1))
    net.process(1)
    expect(net.node(1).readStates).toHaveLength(0) // needs the heartbeat round first
    net.deliverAll()
    expect(net.node(1).readStates).toEqual([{ index: commit, context: ctx(1) }])
  })

  it('read index: at a follower: forwarded; the answer covers every acknowledged write', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    net.cut(1, 3) // node 3 lags behind the write
    net.propose(1, 'w')
    net.deliverAll()
    const acked = net.raft(1).log.committed
    net.heal()
    net.cut(1, 3)
    net.cut(3, 1)
    net.heal()
    net.node(3).raw.readIndex(ctx(7))
    net.process(3)
    net.deliverAll()
    const state = net.node(3).readStates[0]
    expect(state?.index).toBeGreaterThanOrEqual(acked)
  })

  it('read index: a deposed leader cut from the quorum: never answers', () => {
    const net = new TestNetwork([1, 2, 3], { checkQuorum: false }) // so node 2 wins at once
    net.elect(1)
    net.isolate(1)
    net.node(1).raw.readIndex(ctx(1))
    net.process(1)
    net.deliverAll()
    net.elect(2)
    expect(net.raft(2).role).toBe('leader')
    net.propose(2, 'newer')
    net.deliverAll()
    expect(net.node(1).readStates).toHaveLength(0)
  })

  it('read index: a new leader before committing in its term: holds reads until it does', () => {
    const net = new TestNetwork([1, 2, 3], { checkQuorum: false })
    net.elect(1)
    net.isolate(1)
    net.dropIf = (m) => m.type === 'app-resp' // the new leader cannot commit its empty entry
    net.elect(2)
    expect(net.raft(2).role).toBe('leader')
    net.node(2).raw.readIndex(ctx(2))
    net.process(2)
    net.deliverAll()
    expect(net.node(2).readStates).toHaveLength(0)
    net.heal()
    net.isolate(1)
    net.tickAll(2)
    expect(net.node(2).readStates[0]?.index).toBe(net.raft(2).log.committed)
  })

  it('lease: while valid: reads are answered with no round trip', () => {
    const net = new TestNetwork([1, 2, 3], { readMode: 'lease' })
    net.tickAll(10) // the startup quiet period: restarted nodes honour unseen leases
    net.elect(1)
    net.tickAll(2) // a heartbeat round acknowledged by a quorum starts the lease
    expect(net.raft(1).leaseValid()).toBe(true)
    net.queue = []
    net.node(1).raw.readIndex(ctx(3))
    net.process(1)
    expect(net.node(1).readStates).toHaveLength(1)
    expect(net.queue.filter((m) => m.type === 'heartbeat')).toHaveLength(0)
  })

  it('lease: a cut-off leader: the lease expires before any other leader can be elected', () => {
    const net = new TestNetwork([1, 2, 3], { readMode: 'lease', electionTicks: 10 })
    net.tickAll(10)
    net.elect(1)
    net.tickAll(2)
    net.isolate(1)
    let expiredAt = -1
    let electedAt = -1
    for (let t = 0; t < 40 && (expiredAt < 0 || electedAt < 0); t++) {
      net.tickAll(1)
      if (expiredAt < 0 && !net.raft(1).leaseValid()) expiredAt = t
      if (electedAt < 0 && net.leaders().some((id) => id !== 1)) electedAt = t
    }
    expect(expiredAt).toBeGreaterThanOrEqual(0)
    expect(electedAt).toBeGreaterThan(expiredAt)
    net.node(1).raw.readIndex(ctx(4))
    net.process(1)
    expect(net.node(1).readStates).toHaveLength(0) // falls back to a heartbeat round
  })

  it('lease: after sending TimeoutNow: revoked for the rest of the term', () => {
    const net = new TestNetwork([1, 2, 3], { readMode: 'lease' })
    net.tickAll(10)
    net.elect(1)
    net.tickAll(2)
    net.isolate(2) // TimeoutNow is sent but never arrives: leader 1 stays, lease must not
    net.node(1).raw.transferLeader(3)
    net.process(1)
    expect(net.raft(1).leaseValid()).toBe(false)
  })
})

describe('raft membership', () => {
  function addSpare(net: TestNetwork, id: number) {
    return net.addNode(id, new MemoryRaftStorage())
  }

  it('conf change: add a learner then promote it: replicated, then counted in quorums', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    addSpare(net, 4)
    expect(net.node(1).raw.proposeConfChange({ kind: 'add-learner', nodeId: 4 }).kind).toBe(
      'appended',
    )
    net.tickAll(3)
    expect(net.raft(4).conf.learners).toEqual([4])
    expect(net.raft(4).log.lastIndex()).toBe(net.raft(1).log.lastIndex())
    expect(net.node(1).raw.proposeConfChange({ kind: 'add-voter', nodeId: 4 }).kind).toBe(
      'appended',
    )
    net.tickAll(3)
    for (const id of [1, 2, 3, 4]) expect(net.raft(id).conf.voters).toEqual([1, 2, 3, 4])
    net.isolate(2)
    net.isolate(3) // 2 of 4 voters: no quorum, nothing commits
    const before = net.raft(1).log.committed
    net.propose(1, 'needs-three')
    net.deliverAll()
    expect(net.raft(1).log.committed).toBe(before)
  })

  it('conf change: a second change while one is pending: refused as a value', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    net.isolate(2)
    net.isolate(3)
    expect(net.node(1).raw.proposeConfChange({ kind: 'add-learner', nodeId: 4 }).kind).toBe(
      'appended',
    )
    expect(net.node(1).raw.proposeConfChange({ kind: 'add-learner', nodeId: 5 })).toEqual({
      kind: 'dropped', reason: 'conf-change-pending',
    })
  })

  it('conf change: leader fails mid-change: one config everywhere, next change works', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    addSpare(net, 4)
    net.node(1).raw.proposeConfChange({ kind: 'add-learner', nodeId: 4 })
    net.process(1)
    net.deliverAll()
    net.tickAll(2)
    // The promotion reaches node 2 only; then the leader fails before it commits.
    net.cut(1, 3)
    net.cut(1, 4)
    net.dropIf = (m) => m.type === 'app-resp' && m.to === 1
    net.node(1).raw.proposeConfChange({ kind: 'add-voter', nodeId: 4 })
    net.process(1)
    net.deliverAll()
    net.heal()
    net.isolate(1)
    net.tickAll(40) // a new leader among 2, 3 (4 may vote if promoted)
    const leader = net.leaders().find((id) => id !== 1)
    expect(leader).toBeDefined()
    net.tickAll(3)
    const conf = net.raft(leader!).conf
    for (const id of [2, 3, 4]) expect(net.raft(id).conf).toEqual(conf)
    expect(conf.voters.includes(4)).toBe(true) // node 2 had the entry; the new leader commits it
    expect(net.node(leader!).raw.proposeConfChange({ kind: 'remove', nodeId: 1 }).kind).toBe(
      'appended',
    )
    net.tickAll(3)
    expect(net.raft(leader!).conf.voters).toEqual([2, 3, 4])
  })

  it('conf change: a leader removing itself: steps down and the rest elect a leader', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    net.node(1).raw.proposeConfChange({ kind: 'remove', nodeId: 1 })
    net.process(1)
    net.tickAll(2)
    expect(net.raft(1).role).toBe('follower')
    net.tickAll(40)
    const leaders = net.leaders()
    expect(leaders).toHaveLength(1)
    expect(leaders[0]).not.toBe(1)
    expect(net.raft(leaders[0]!).conf.voters).toEqual([2, 3])
  })
})
