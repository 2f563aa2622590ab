/**
 * Goal: a cluster file's `leaderPreference` gathers every group's leadership on the first able
 * node it lists, moves it to the next one when that node dies and back when it returns, and no
 * acknowledged write is lost, duplicated or reordered by the transfers. Method: 3 real node
 * processes with `leaderPreference: [n1, n2, n3]`; four writers keep overwriting their own keys
 * (one key is written by one writer at a time, so acknowledgement order is version order) while
 * n1 leads everything, while n1 is SIGKILLed and n2 must take every group, and while n1 is
 * restarted and must take them back. Every phase must acknowledge writes; afterwards each key
 * reads (strong) as its last acknowledged value or a later attempted one whose outcome was
 * unknown, versions grew in acknowledgement order, and all replicas converge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'
import { waitFor } from '../harness/processes.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const writers = 4
const keysPerWriter = 3
let cluster: ClusterFixture

beforeAll(async () => {
  cluster = await ClusterFixture.start({ nodes: 3, shardCount: 2,
    leaderPreference: ['n1', 'n2', 'n3'] })
  await cluster.waitForLeaders()
  await cluster.createTable('items')
})

afterAll(async () => {
  await cluster?.close()
})

/** Whether `id` leads every group (the data shards and the catalog), from the live nodes. */
async function leadsAll(id: string): Promise<boolean> {
  return (await cluster.groupsLedBy())[id] === cluster.shardCount + 1
}

interface KeyLog {
  /** Versions of acknowledged writes, in acknowledgement order. */
  readonly versions: number[]
  lastAcked: string | null
  /** Values sent after the last acknowledgement whose outcome is unknown (errors). */
  readonly unknown: string[]
}

describe('storage cluster: leader preference', () => {
  it('storage cluster: leaders gather on n1, move to n2 when n1 dies, return; no write lost',
    async () => {
    await waitFor('n1 leads every group', () => leadsAll('n1'), { timeoutMs: 20_000 })
    const logs = new Map<string, KeyLog>()
    const phase = { name: 'n1 leads', acked: new Map<string, number>() }
    let stop = false
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const key = `w${w}-k${i % keysPerWriter}`
        const log = logs.get(key) ?? { versions: [], lastAcked: null, unknown: [] }
        logs.set(key, log)
        const value = `${key}-v${i}`
        try {
          const answer = await cluster.put('items', key, encoder.encode(value), 3_000)
          if (answer.kind !== 'ok') throw new Error(answer.kind)
          log.versions.push(answer.version)
          log.lastAcked = value
          log.unknown.length = 0
          phase.acked.set(phase.name, (phase.acked.get(phase.name) ?? 0) + 1)
        } catch {
          log.unknown.push(value)
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      }
    }
    const running = Array.from({ length: writers }, (_, w) => writer(w))
    const acked = (): number => phase.acked.get(phase.name) ?? 0
    await waitFor('writes while n1 leads', () => acked() >= 20, { timeoutMs: 10_000 })

    phase.name = 'n1 dead'
    await cluster.kill('n1')
    await waitFor('n2 leads every group', () => leadsAll('n2'), { timeoutMs: 30_000 })
    await waitFor('writes while n2 leads', () => acked() >= 20, { timeoutMs: 10_000 })

    phase.name = 'n1 back'
    await cluster.startNode('n1')
    await waitFor('n1 leads every group again', () => leadsAll('n1'), { timeoutMs: 40_000 })
    await waitFor('writes after n1 is back', () => acked() >= 20, { timeoutMs: 10_000 })
    stop = true
    await Promise.all(running)

    for (const [key, log] of logs) {
      for (let i = 1; i < log.versions.length; i++) {
        expect(log.versions[i]!, key).toBeGreaterThan(log.versions[i - 1]!)
      }
      const got = await cluster.get('items', key, 'strong', 15_000)
      if (log.lastAcked === null && got.kind === 'not-found') continue
      expect(got.kind, key).toBe('found')
      if (got.kind !== 'found') return
      const value = decoder.decode(got.item.value)
      expect([log.lastAcked, ...log.unknown], key).toContain(value)
      if (value === log.lastAcked) expect(got.item.version, key).toBe(log.versions.at(-1))
    }
    await cluster.waitConverged(30_000)
  })
})
