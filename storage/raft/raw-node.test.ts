// Goal: RawNode hands out work exactly as ready.ts promises: what to persist, when to fsync,
// what to apply, and that the host cannot skip advance().
// Method: drive a single-voter and a three-voter group by hand and inspect each Ready.
import { describe, expect, it } from 'vitest'
import { SeededPrng } from '../../shared/random/prng.ts'
import { bootstrapStorage } from './bootstrap.ts'
import type { MemoryRaftStorage } from './raft-storage.ts'
import { RawNode } from './raw-node.ts'
import type { Ready } from './ready.ts'

/** The persistence half of the host contract, then advance. */
function persistAndAdvance(node: RawNode, storage: MemoryRaftStorage, rd: Ready): void {
  storage.append(rd.entries)
  if (rd.hardState !== null) storage.setHardState(rd.hardState)
  node.advance(rd)
}

function singleVoter(): { node: RawNode; storage: MemoryRaftStorage } {
  const storage = bootstrapStorage([1])
  const node = new RawNode({ id: 1, storage, prng: new SeededPrng(3) })
  const rd = node.ready() // the bootstrap membership entry to apply
  expect(rd.committedEntries.map((e) => e.type)).toEqual(['conf-change'])
  persistAndAdvance(node, storage, rd)
  return { node, storage }
}

describe('raw node', () => {
  it('ready: after a campaign: term and vote change with mustSync, entries to persist', () => {
    const { node, storage } = singleVoter()
    node.campaign()
    const rd = node.ready()
    expect(rd.softState).toEqual({ lead: 1, role: 'leader' })
    expect(rd.hardState?.vote).toBe(1)
    expect(rd.mustSync).toBe(true)
    expect(rd.entries).toHaveLength(1) // the new leader's empty entry
    persistAndAdvance(node, storage, rd)
    expect(node.hasReady()).toBe(false)
  })

  it('ready: a proposal on a single voter: persisted and committed in one Ready', () => {
    const { node, storage } = singleVoter()
    node.campaign()
    persistAndAdvance(node, storage, node.ready())
    const result = node.propose(new Uint8Array([42]))
    expect(result.kind).toBe('appended')
    const rd = node.ready()
    expect(rd.entries.map((e) => e.data[0])).toEqual([42])
    expect(rd.committedEntries.map((e) => e.data[0])).toEqual([42])
    expect(rd.hardState?.commit).toBe(rd.entries[0]!.index)
    persistAndAdvance(node, storage, rd)
    expect(node.status().applied).toBe(rd.entries[0]!.index)
  })

  it('ready: a commit-only change: hard state reported without mustSync', () => {
    const nodes = [1, 2, 3].map((id) => new RawNode({ id, storage: bootstrapStorage([1, 2, 3]),
      prng: new SeededPrng(id) }))
    const follower = nodes[1]!
    follower.advance(follower.ready())
    follower.step({ type: 'heartbeat', from: 1, to: 2, term: 1, logTerm: 0, index: 0,
      entries: [], commit: 3, reject: false, rejectHint: 0, round: 1,
      context: new Uint8Array(0), snapshot: null })
    const rd = follower.ready()
    expect(rd.hardState).toBeNull() // commit 3 was already durable from bootstrap
    expect(rd.messages.map((m) => m.type)).toEqual(['heartbeat-resp'])
    expect(rd.mustSync).toBe(false)
  })

  it('ready: called twice without advance: an assertion failure', () => {
    const { node } = singleVoter()
    node.campaign()
    node.ready()
    expect(() => node.ready()).toThrow(/before advance/)
  })
})
