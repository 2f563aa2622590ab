// Goal: the etcd members get a correct, fsync-on command line and the gateway bodies and leader
// parsing match what etcd 3.4 speaks. Method: build args for a 3-member cluster and read them
// back as flag pairs; decode the JSON bodies; feed status answers shaped like etcd's.
import { describe, expect, it } from 'vitest'
import {
  grpcTimeout,
  initialCluster,
  leaderName,
  memberArgs,
  memberEnv,
  parseStatus,
  putBody,
  rangeBody,
  type EtcdMember,
  type EtcdStatus,
} from './etcd-args.ts'

const members: EtcdMember[] = [
  { name: 'e1', clientPort: 2001, peerPort: 3001 },
  { name: 'e2', clientPort: 2002, peerPort: 3002 },
  { name: 'e3', clientPort: 2003, peerPort: 3003 },
]

function flags(args: string[]): Map<string, string> {
  const map = new Map<string, string>()
  for (let i = 0; i < args.length; i += 2) map.set(args[i]!, args[i + 1]!)
  return map
}

describe('memberArgs', () => {
  it('memberArgs: second of three members: its own URLs, every peer in --initial-cluster', () => {
    const f = flags(memberArgs(members[1]!, members, '/tmp/d/e2'))
    expect(f.get('--name')).toBe('e2')
    expect(f.get('--data-dir')).toBe('/tmp/d/e2')
    expect(f.get('--listen-client-urls')).toBe('http://127.0.0.1:2002')
    expect(f.get('--advertise-client-urls')).toBe('http://127.0.0.1:2002')
    expect(f.get('--listen-peer-urls')).toBe('http://127.0.0.1:3002')
    expect(f.get('--initial-advertise-peer-urls')).toBe('http://127.0.0.1:3002')
    expect(f.get('--initial-cluster')).toBe(
      'e1=http://127.0.0.1:3001,e2=http://127.0.0.1:3002,e3=http://127.0.0.1:3003',
    )
    expect(f.get('--initial-cluster-state')).toBe('new')
  })

  it('memberArgs: default flags: fsync stays on (no --unsafe-no-fsync anywhere)', () => {
    for (const m of members) {
      expect(memberArgs(m, members, '/d').some((a) => a.includes('unsafe'))).toBe(false)
    }
  })

  it('memberArgs: --unsafe-no-fsync among the extras: refused with a clear error', () => {
    expect(() => memberArgs(members[0]!, members, '/d', ['--unsafe-no-fsync'])).toThrow(/fsync/)
    expect(() => memberArgs(members[0]!, members, '/d', ['--unsafe-no-fsync=true'])).toThrow(
      /fsync/,
    )
  })

  it('memberArgs: a member not in the list: refused', () => {
    const stray = { name: 'x', clientPort: 1, peerPort: 2 }
    expect(() => memberArgs(stray, members, '/d')).toThrow(/not in the member list/)
  })

  it('initialCluster: empty or duplicate names: refused', () => {
    expect(() => initialCluster([])).toThrow(/at least one/)
    expect(() => initialCluster([members[0]!, members[0]!])).toThrow(/unique/)
  })
})

describe('memberEnv', () => {
  it('memberEnv: ETCD_* in the parent: dropped, the rest kept', () => {
    const env = memberEnv({ PATH: '/bin', ETCD_UNSAFE_NO_FSYNC: 'true', ETCD_NAME: 'x' })
    expect(env).toEqual({ PATH: '/bin' })
  })
})

describe('gateway bodies', () => {
  it('putBody: key and 100-byte value: both base64, decoding to the originals', () => {
    const value = new Uint8Array(100).fill(0x61)
    const body = JSON.parse(putBody('key-7', value)) as { key: string; value: string }
    expect(Buffer.from(body.key, 'base64').toString()).toBe('key-7')
    expect(new Uint8Array(Buffer.from(body.value, 'base64'))).toEqual(value)
  })

  it('rangeBody: linearizable by default, serializable only when asked', () => {
    expect(JSON.parse(rangeBody('k', false))).toEqual({ key: 'aw==' })
    expect(JSON.parse(rangeBody('k', true))).toEqual({ key: 'aw==', serializable: true })
  })

  it('grpcTimeout: budgets in ms: gRPC "m" unit, whole ms; below 1 ms refused', () => {
    expect(grpcTimeout(5_000)).toBe('5000m')
    expect(grpcTimeout(250.7)).toBe('250m')
    expect(() => grpcTimeout(0)).toThrow(/at least 1 ms/)
    expect(() => grpcTimeout(Number.NaN)).toThrow(/at least 1 ms/)
  })
})

describe('leader parsing', () => {
  const status = (memberId: string, leaderId: string, raftTerm: number): EtcdStatus => ({
    memberId,
    leaderId,
    raftTerm,
  })

  it('parseStatus: an etcd 3.4 status answer: member id, leader id and term read', () => {
    const answer = {
      header: { cluster_id: '1', member_id: '111', revision: '2', raft_term: '2' },
      version: '3.4.23',
      leader: '222',
      raftIndex: '5',
      raftTerm: '2',
    }
    expect(parseStatus(answer)).toEqual({ memberId: '111', leaderId: '222', raftTerm: 2 })
  })

  it('parseStatus: an answer without header or leader: error quoting it', () => {
    expect(() => parseStatus({ error: 'x' })).toThrow(/without member_id/)
    expect(() => parseStatus(null)).toThrow(/without member_id/)
  })

  it('leaderName: all agree: the name of the member whose id is the leader id', () => {
    const answers = new Map([
      ['e1', status('1', '3', 2)],
      ['e2', status('2', '3', 2)],
      ['e3', status('3', '3', 2)],
    ])
    expect(leaderName(answers)).toBe('e3')
  })

  it('leaderName: a stale answer from an older term: the current term wins', () => {
    const answers = new Map([
      ['e1', status('1', '1', 2)],
      ['e2', status('2', '3', 3)],
      ['e3', status('3', '3', 3)],
    ])
    expect(leaderName(answers)).toBe('e3')
  })

  it('leaderName: no leader ("0"), disagreement, or a leader that did not answer: null', () => {
    expect(leaderName(new Map([['e1', status('1', '0', 4)]]))).toBeNull()
    expect(
      leaderName(
        new Map([
          ['e1', status('1', '1', 4)],
          ['e2', status('2', '2', 4)],
        ]),
      ),
    ).toBeNull()
    expect(leaderName(new Map([['e1', status('1', '9', 4)]]))).toBeNull()
    expect(leaderName(new Map())).toBeNull()
  })
})
