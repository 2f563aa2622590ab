// Goal: the small parts under the Raft core keep their contracts: storage bounds and
// truncation, the inflights window, progress state transitions, quorum arithmetic, the log's
// conflict search and conf-change encoding.
// Method: direct unit tests with hand-computed expectations, plus a fast-check model of the
// storage's append/compact against a plain array.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyToConfState, decodeConfChange, encodeConfChange } from './conf-change.ts'
import { Inflights } from './inflights.ts'
import type { Entry } from './messages.ts'
import { Progress } from './progress.ts'
import { committedIndex, voteResult } from './quorum.ts'
import { RaftLog } from './raft-log.ts'
import { ReadTracker } from './read-index.ts'
import { MemoryRaftStorage } from './raft-storage.ts'
import { limits } from '../../shared/limits.ts'
import { TestNetwork } from './test-network.ts'

const entry = (index: number, term: number, size = 0): Entry => ({
  index, term, type: 'normal', data: new Uint8Array(size),
})

describe('raft parts', () => {
  it('memory storage: append over a suffix: truncates and replaces it', () => {
    const s = new MemoryRaftStorage()
    s.append([entry(1, 1), entry(2, 1), entry(3, 1)])
    s.append([entry(2, 2)])
    expect(s.lastIndex()).toBe(2)
    expect(s.term(2)).toBe(2)
    expect(() => s.append([entry(5, 2)])).toThrow(/gap/)
  })

  it('memory storage: compact and snapshot: bounds move, stale snapshots refused', () => {
    const s = new MemoryRaftStorage()
    s.append([1, 2, 3, 4, 5].map((i) => entry(i, 1)))
    s.createSnapshot(3, { voters: [1], learners: [] }, new Uint8Array([9]))
    s.compact(3)
    expect(s.firstIndex()).toBe(4)
    expect(s.term(3)).toBe(1)
    expect(() => s.term(2)).toThrow(/outside/)
    expect(() => s.entries(3, 5, 100)).toThrow(/out of range/)
    expect(() => s.applySnapshot(s.snapshot())).toThrow(/out of date/)
  })

  it('memory storage: entries with maxBytes: at least one, then what fits', () => {
    const s = new MemoryRaftStorage()
    s.append([entry(1, 1, 100), entry(2, 1, 100), entry(3, 1, 100)])
    expect(s.entries(1, 4, 1)).toHaveLength(1)
    expect(s.entries(1, 4, 250)).toHaveLength(2)
    expect(s.entries(1, 4, 10_000)).toHaveLength(3)
  })

  it('memory storage: random appends and compactions: agree with an array model', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 20 }), fc.nat({ max: 4 })), {
          maxLength: 40,
        }),
        (ops) => {
          const s = new MemoryRaftStorage()
          const model: number[] = [0] // model[i] = term at i; index 0 is the dummy
          let first = 1
          for (const [compact, at, n] of ops) {
            if (compact) {
              const i = Math.min(at, model.length - 1)
              if (i >= first) {
                s.compact(i)
                first = i + 1
              }
              continue
            }
            const start = Math.max(first, Math.min(at, model.length))
            const term = (model[model.length - 1] ?? 0) + 1
            const batch = Array.from({ length: n }, (_, k) => entry(start + k, term))
            s.append(batch)
            if (n > 0) model.length = start
            for (const e of batch) model.push(e.term)
          }
          expect(s.lastIndex()).toBe(model.length - 1)
          for (let i = first; i < model.length; i++) expect(s.term(i)).toBe(model[i])
        },
      ),
      { numRuns: 200 },
    )
  })

  it('inflights: a full window by count or bytes: refuses more until freed', () => {
    const byCount = new Inflights(2, 1000)
    byCount.add(5, 10)
    byCount.add(7, 10)
    expect(byCount.full()).toBe(true)
    byCount.freeLE(5)
    expect(byCount.full()).toBe(false)
    expect(byCount.count).toBe(1)
    const byBytes = new Inflights(10, 100)
    byBytes.add(1, 100)
    expect(byBytes.full()).toBe(true)
    expect(() => byBytes.add(2, 1)).toThrow(/full/)
  })

  it('progress: probe, replicate, snapshot: transitions and pausing', () => {
    const pr = new Progress(11, false, 4, 1 << 20)
    expect(pr.state).toBe('probe')
    pr.sentEntries(12, 2, 10)
    expect(pr.isPaused()).toBe(true) // one probe per heartbeat
    expect(pr.maybeDecrTo(10, 6)).toBe(true) // reject at 10 with hint 6
    expect(pr.next).toBe(7)
    expect(pr.maybeDecrTo(3, 1)).toBe(false) // stale rejection
    expect(pr.maybeUpdate(8)).toBe(true)
    pr.becomeReplicate()
    expect(pr.next).toBe(9)
    for (let i = 0; i < 4; i++) pr.sentEntries(10 + i, 1, 1)
    expect(pr.isPaused()).toBe(true)
    pr.becomeSnapshot(50)
    expect(pr.isPaused()).toBe(true)
    pr.becomeProbe()
    expect(pr.next).toBe(51)
  })

  it('quorum: committed index and votes: majority arithmetic', () => {
    const match = new Map([[1, 9], [2, 5], [3, 7], [4, 2], [5, 7]])
    expect(committedIndex([1, 2, 3, 4, 5], (id) => match.get(id) ?? 0)).toBe(7)
    expect(committedIndex([1, 2], (id) => match.get(id) ?? 0)).toBe(5)
    const votes = new Map([[1, true], [2, false]])
    expect(voteResult([1, 2, 3], votes)).toBe('pending')
    votes.set(3, true)
    expect(voteResult([1, 2, 3], votes)).toBe('won')
    expect(voteResult([1, 2, 3], new Map([[2, false], [3, false]]))).toBe('lost')
  })

  it('raft log: findConflictByTerm: skips whole runs of higher terms', () => {
    const s = new MemoryRaftStorage()
    s.append([1, 1, 1, 4, 4, 5, 5, 6, 6, 6].map((t, i) => entry(i + 1, t)))
    const log = new RaftLog(s)
    expect(log.findConflictByTerm(10, 3)).toEqual([3, 1])
    expect(log.findConflictByTerm(10, 5)).toEqual([7, 5])
    expect(log.findConflictByTerm(12, 6)).toEqual([10, 6])
    expect(log.isUpToDate(10, 6)).toBe(true)
    expect(log.isUpToDate(11, 5)).toBe(false)
  })

  it('read tracker: a day of heartbeats without lease reads: remembers a bounded window', () => {
    const tracker = new ReadTracker(16)
    for (let tick = 1; tick <= 200_000; tick++) tracker.startRound(tick)
    expect(tracker.roundsRemembered).toBeLessThanOrEqual(256)
    // The latest round a quorum answered still yields its lease; a forgotten one yields none.
    tracker.ack(2, 200_000)
    expect(tracker.leaseExpiry(1, [1, 2, 3], 8)).toBe(200_008)
    const fresh = new ReadTracker(16)
    for (let tick = 1; tick <= 1_000; tick++) fresh.startRound(tick)
    fresh.ack(2, 10)
    expect(fresh.leaseExpiry(1, [1, 2, 3], 8)).toBe(0)
  })

  it('conf change: encode/decode and apply: round trip, idempotent, bad bytes refused', () => {
    const change = { kind: 'add-learner' as const, nodeId: 300 }
    expect(decodeConfChange(encodeConfChange(change))).toEqual(change)
    const conf = { voters: [1, 2, 3], learners: [] }
    const once = applyToConfState(conf, change)
    expect(applyToConfState(once, change)).toEqual(once)
    const promoted = applyToConfState(once, { kind: 'add-voter', nodeId: 300 })
    expect(promoted).toEqual({ voters: [1, 2, 3, 300], learners: [] })
    expect(() => decodeConfChange(new Uint8Array([9, 1]))).toThrow(/bad conf change/)
  })
})

describe('raft limits', () => {
  it('propose: over the per-call entry limit: a typed too-large error', () => {
    const net = new TestNetwork([1])
    net.elect(1)
    const many = Array.from({ length: limits.raftProposalsPerMsgMax + 1 }, () => new Uint8Array(1))
    expect(() => net.node(1).raw.proposeBatch(many)).toThrow(/entries in one proposal/)
  })

  it('propose: a leader cut off from its quorum: refuses when the uncommitted tail is full', () => {
    const net = new TestNetwork([1, 2, 3])
    net.elect(1)
    net.isolate(1)
    const batch = Array.from({ length: 4096 }, () => new Uint8Array(1))
    let last = net.node(1).raw.proposeBatch(batch)
    for (let i = 0; i < 20 && last.kind === 'appended'; i++) {
      net.process(1)
      last = net.node(1).raw.proposeBatch(batch)
    }
    expect(last).toEqual({ kind: 'dropped', reason: 'uncommitted-limit' })
    const raft = net.raft(1)
    expect(raft.log.lastIndex() - raft.log.committed).toBeLessThanOrEqual(
      limits.raftUncommittedEntriesMax,
    )
  })
})
