/**
 * Goal: a replica that skips the read-before-write (no local proposer awaits the result, as on
 * every follower) ends in exactly the state of one that does it, and still evaluates every
 * condition, so replicas never diverge. Method: two NodeStateMachines over two in-memory LSMs
 * apply the same committed entries (unconditional puts, a delete, create-only and if-match
 * writes), one told every result is awaited, one told none is; their results agree where they
 * must, and every item's latest version, value and timestamp agree.
 */
import { describe, expect, it } from 'vitest'
import { utf8 } from '../../shared/codecs/bytes.ts'
import type { Entry } from '../raft/messages.ts'
import { Db } from '../lsm/db.ts'
import { MemFileSystem } from '../vfs/mem-fs.ts'
import type { Command, WriteCondition } from './command.ts'
import { encodeCommand } from './command.ts'
import { dataKey } from './keys.ts'
import type { ApplyResult } from './state-machine.ts'
import { NodeStateMachine } from './state-machine.ts'

const group = 3
const catalogGroup = 0

function item(key: string): { tableId: number; partitionKey: Uint8Array; sortKey: Uint8Array } {
  return { tableId: 7, partitionKey: utf8(key), sortKey: new Uint8Array(0) }
}

function put(key: string, value: string, condition: WriteCondition = { kind: 'none' }): Command {
  return {
    kind: 'put',
    ...item(key),
    timestamp: 1_000,
    expiresAtMs: null,
    condition,
    contentType: 'text/plain',
    value: utf8(value),
  }
}

function entriesOf(commands: readonly Command[]): Entry[] {
  return commands.map((command, i) => ({
    index: i + 1,
    term: 1,
    type: 'normal',
    data: encodeCommand(command),
  }))
}

async function replica(): Promise<{ db: Db; sm: NodeStateMachine }> {
  const db = await Db.open({ fs: new MemFileSystem(), dir: '/lsm', wal: false })
  return { db, sm: new NodeStateMachine(db, catalogGroup) }
}

function summary(result: ApplyResult): string {
  if (result.kind === 'precondition-failed') return `412 (current ${result.currentVersion})`
  return result.kind === 'ok' ? `ok v${result.version}` : result.kind
}

describe('NodeStateMachine', () => {
  it('apply: no result awaited (a follower): same state and conditions, no created', async () => {
    const commands = [
      put('a', 'one'),
      put('b', 'two', { kind: 'if-none-match' }),
      put('b', 'again', { kind: 'if-none-match' }), // fails: b exists
      put('a', 'three', { kind: 'if-match', version: 1 }),
      put('a', 'stale', { kind: 'if-match', version: 1 }), // fails: a is at version 4
      { kind: 'delete', ...item('b'), timestamp: 1_001, condition: { kind: 'none' } },
      put('c', 'four'),
    ] satisfies Command[]
    const leader = await replica()
    const follower = await replica()
    const awaited = await leader.sm.apply(group, entriesOf(commands), () => true)
    const unawaited = await follower.sm.apply(group, entriesOf(commands), () => false)
    expect(unawaited.map(summary)).toEqual(awaited.map(summary))
    expect(awaited.map(summary)).toEqual([
      'ok v1',
      'ok v2',
      '412 (current 2)',
      'ok v4',
      '412 (current 4)',
      'ok v6',
      'ok v7',
    ])
    const created = (results: ApplyResult[]): boolean[] =>
      results.map((r) => r.kind === 'ok' && r.created)
    expect(created(awaited)).toEqual([true, true, false, false, false, false, true])
    expect(created(unawaited)).toEqual([false, false, false, false, false, false, false])
    for (const key of ['a', 'b', 'c']) {
      const onLeader = leader.db.getLatest(dataKey(group, item(key)))
      const onFollower = follower.db.getLatest(dataKey(group, item(key)))
      expect(onFollower).toEqual(onLeader)
    }
    expect(leader.db.getLatest(dataKey(group, item('a')))?.version).toBe(4)
    expect(leader.db.getLatest(dataKey(group, item('b')))).toBeUndefined()
    await leader.db.close()
    await follower.db.close()
  })
})
