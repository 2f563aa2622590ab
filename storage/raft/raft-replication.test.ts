// Goal: log replication converges from every log state of the paper's Figure 7 with fast
// backtracking, commits only by counting current-term entries (Figure 8), batches and
// pipelines appends within their limits, tells followers a new commit index with the next
// appends (an empty one only when there are none), and installs snapshots on lagging followers.
// Method: scenario tests on TestNetwork with hand-built storages and message filters.
import { describe, expect, it } from 'vitest'
import type { NodeId } from './messages.ts'
import { storageWithTerms, TestNetwork } from './test-network.ts'

function logTerms(net: TestNetwork, id: NodeId): number[] {
  const log = net.raft(id).log
  const terms: number[] = []
  for (let i = log.firstIndex(); i <= log.lastIndex(); i++) terms.push(log.term(i)!)
  return terms
}

describe('raft replication', () => {
  it('figure 7: followers a-f: all converge to the term-8 leader log with few probes', () => {
    const voters = [1, 2, 3, 4, 5, 6, 7]
    const logs = [
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], // the leader
      [1, 1, 1, 4, 4, 5, 5, 6, 6], // a: missing one
      [1, 1, 1, 4], // b: missing many
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // c: one extra uncommitted
      [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // d: extra entries from term 7
      [1, 1, 1, 4, 4, 4, 4], // e: conflicting term-4 tail
      [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // f: conflicting terms 2 and 3
    ]
    const storages = logs.map((terms) => storageWithTerms(voters, terms, 7))
    const net = new TestNetwork(voters, { checkQuorum: false }, storages)
    net.elect(1) // votes from a, b, e, f (c and d have newer logs)
    expect(net.raft(1).role).toBe('leader')
    expect(net.raft(1).term).toBe(8)
    net.tickAll(3)
    const leaderTerms = logTerms(net, 1)
    expect(leaderTerms).toEqual([1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8])
    for (const id of voters) expect(logTerms(net, id), `node ${id}`).toEqual(leaderTerms)
    // Fast backtracking: each follower rejects at most twice (one per conflicting term run).
    for (const id of voters.slice(1)) {
      const rejections = net.sent.filter((m) => m.type === 'app-resp' && m.from === id && m.reject)
      expect(rejections.length, `node ${id}`).toBeLessThanOrEqual(2)
    }
    expect(net.raft(7).log.committed).toBe(11)
  })

  it('figure 8: an old-term entry on a majority: not committed until a current-term one is', () => {
    const voters = [1, 2, 3, 4, 5]
    const logs = [[1, 2], [1, 2], [1], [1], [1, 3]]
    const storages = logs.map((terms) => storageWithTerms(voters, terms, 3))
    for (const storage of storages) storage.setHardState({ term: 3, vote: 0, commit: 1 })
    const run = (plantedBug: boolean) => {
      const net = new TestNetwork(voters, {
        checkQuorum: false, maxMsgBytes: 1,
        ...(plantedBug ? { plantedBug: 'commit-earlier-term-by-count' as const } : {}),
      }, storages.map((s) => s.clone()))
      net.isolate(4)
      net.isolate(5) // down, as in the figure's step (c)
      // Node 3 may receive the term-2 entry at index 2 but never the term-4 entry at index 3.
      // (the first probe, which carries index 3 too, is let through so node 3 can reject it)
      net.dropIf = (m) =>
        m.to === 3 && m.entries.some((e) => e.index >= 3) && net.raft(3).log.lastIndex() >= 2
      net.elect(1) // term 4, votes from 2 and 3
      expect(net.raft(1).term).toBe(4)
      net.tickAll(3)
      return net
    }
    const net = run(false)
    expect(net.raft(3).log.lastIndex()).toBe(2) // index 2 is on a majority: 1, 2, 3
    expect(net.raft(1).log.committed).toBe(1) // ... and still not committed (Figure 8)
    net.heal()
    net.tickAll(2)
    expect(net.raft(1).log.committed).toBe(3) // the term-4 entry commits both
    // The planted bug commits index 2 by counting, which Figure 8 shows to be unsafe.
    expect(run(true).raft(1).log.committed).toBe(2)
  })

  it('batching: many proposals: appends respect maxMsgBytes and all entries commit', () => {
    const net = new TestNetwork([1, 2, 3], { maxMsgBytes: 200 })
    net.elect(1)
    net.cut(1, 2)
    for (let i = 0; i < 50; i++) net.propose(1, `entry-${i}`.padEnd(20, '.'))
    net.deliverAll()
    net.heal()
    net.tickAll(3)
    const appends = net.sent.filter((m) => m.type === 'app' && m.to === 2 && m.entries.length > 0)
    for (const m of appends) {
      const bytes = m.entries.reduce((n, e) => n + e.data.length + 24, 0)
      expect(m.entries.length === 1 || bytes <= 200).toBe(true)
    }
    expect(appends.length).toBeGreaterThan(5)
    expect(net.appliedTexts(2)).toHaveLength(50)
  })

  it('pipeline: a replicating follower: at most maxInflightMsgs appends in flight', () => {
    const net = new TestNetwork([1, 2, 3], { maxInflightMsgs: 3 })
    net.elect(1)
    net.tickAll(1)
    expect(net.raft(1).progress.get(2)!.state).toBe('replicate')
    net.queue = []
    for (let i = 0; i < 10; i++) net.propose(1, `p${i}`)
    const inFlight = net.queue.filter((m) => m.type === 'app' && m.to === 2)
    expect(inFlight).toHaveLength(3)
    expect(net.raft(1).progress.get(2)!.isPaused()).toBe(true)
    net.deliverAll()
    expect(net.appliedTexts(2)).toHaveLength(10)
  })

  it('follower proposals: forwarded to the leader, or dropped when forwarding is off', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    expect(net.propose(2, 'via-follower')).toEqual({ kind: 'forwarded', to: 1 })
    net.deliverAll()
    net.tickAll(1)
    expect(net.appliedTexts(3)).toContain('via-follower')
    const strict = new TestNetwork([1, 2, 3], { disableProposalForwarding: true })
    strict.elect(1)
    expect(strict.propose(2, 'x')).toEqual({ kind: 'dropped', reason: 'not-leader' })
    const leaderless = new TestNetwork([1, 2, 3])
    expect(leaderless.propose(2, 'x')).toEqual({ kind: 'dropped', reason: 'no-leader' })
  })

  it('snapshot: a follower behind compaction: installs the snapshot, then catches up', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    net.isolate(3)
    for (let i = 0; i < 30; i++) net.propose(1, `w${i}`)
    net.deliverAll()
    const leader = net.node(1)
    const applied = leader.raw.raft.log.applied
    leader.storage.createSnapshot(applied, leader.raw.raft.conf, new TextEncoder().encode('img'))
    leader.storage.compact(applied)
    net.propose(1, 'after-snapshot')
    net.heal()
    net.tickAll(4)
    const follower = net.node(3)
    expect(follower.storage.snapshot().metadata.index).toBe(applied)
    expect(new TextDecoder().decode(follower.storage.snapshot().data)).toBe('img')
    expect(net.appliedTexts(3)).toEqual(['after-snapshot'])
    expect(follower.raw.raft.log.applied).toBe(leader.raw.raft.log.applied)
    expect(net.sent.filter((m) => m.type === 'snap' && m.to === 3)).toHaveLength(1)
  })

  it('snapshot: a stale snapshot: refused, answered with the follower commit', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    for (let i = 0; i < 5; i++) net.propose(1, `w${i}`)
    net.tickAll(2)
    const follower = net.node(2)
    const committed = follower.raw.raft.log.committed
    follower.raw.step({ ...net.sent.find((m) => m.type === 'app')!, type: 'snap', entries: [],
      snapshot: { metadata: { index: 2, term: 1, confState: follower.raw.raft.conf },
        data: new Uint8Array(0) } })
    net.process(2)
    expect(follower.storage.snapshot().metadata.index).toBe(0)
    const answer = net.queue.find((m) => m.type === 'app-resp' && m.from === 2)
    expect(answer?.index).toBe(committed)
  })

  /** Leader 1 has sent 'a'; the followers' answers are stepped but its Ready is not taken. */
  function commitLearnedBeforeReady(): { net: TestNetwork; committed: number; mark: number } {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    net.propose(1, 'a')
    const appends = net.queue
    net.queue = []
    for (const m of appends) {
      net.node(m.to).raw.step(m)
      net.process(m.to)
    }
    const answers = net.queue
    net.queue = []
    for (const m of answers) net.node(1).raw.step(m)
    const committed = net.raft(1).log.committed
    expect(committed).toBe(net.raft(1).log.lastIndex())
    return { net, committed, mark: net.sent.length }
  }

  it('commit notice: proposals in the same Ready: their appends carry it, no empty one', () => {
    const { net, committed, mark } = commitLearnedBeforeReady()
    net.node(1).raw.propose(new TextEncoder().encode('b'))
    net.process(1)
    const appends = net.sent.slice(mark).filter((m) => m.type === 'app')
    expect(appends.map((m) => [m.to, m.entries.length, m.commit])).toEqual([
      [2, 1, committed],
      [3, 1, committed],
    ])
    net.deliverAll()
    for (const id of [1, 2, 3]) expect(net.appliedTexts(id)).toEqual(['a', 'b'])
  })

  it('commit notice: nothing else to send: an empty append tells each follower', () => {
    const { net, committed, mark } = commitLearnedBeforeReady()
    net.process(1)
    const appends = net.sent.slice(mark).filter((m) => m.type === 'app')
    expect(appends.map((m) => [m.to, m.entries.length, m.commit])).toEqual([
      [2, 0, committed],
      [3, 0, committed],
    ])
    net.deliverAll()
    for (const id of [2, 3]) expect(net.raft(id).log.committed).toBe(committed)
  })
})
