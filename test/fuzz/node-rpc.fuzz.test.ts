/**
 * Goal: no frame a peer can send makes a storage node crash, stop serving, or lose data; it
 * extends test/e2e/storage-frames.e2e.test.ts (hand-picked junk) with generated frames. Method:
 * a real one-node process (ClusterFixture); fast-check builds, after a valid hello, a burst of
 * 1-4 frames with any kind and flags byte, any ids, a valid or broken CRC32C, and a body that
 * is a call-shaped msgpack value (known methods, including raft.batch and writes, with arbitrary
 * params), any msgpack value, or raw bytes. After each burst the node must still answer
 * node.status; at the end a sentinel item written first must read back unchanged.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StorageMethod, type GetResponse } from '../../shared/api/storage-api.ts'
import { crc32c } from '../../shared/codecs/crc32c.ts'
import { BodyCodec } from '../../shared/protocol/body-codec.ts'
import { RawPeer } from '../../shared/rpc/rpc-fixture.ts'
import { ClusterFixture, fixtureClusterId } from '../../storage/node/cluster-fixture.ts'
import { waitFor } from '../harness/processes.ts'

const seed = Number(process.env.SHOAL_SEED ?? Date.now() % 1_000_000)
const codec = new BodyCodec()
let cluster: ClusterFixture

beforeAll(async () => {
  cluster = await ClusterFixture.start({ nodes: 1, shardCount: 1 })
  await cluster.waitForLeaders()
  await cluster.createTable('fuzz')
  await cluster.put('fuzz', 'sentinel', new TextEncoder().encode('keep'))
}, 90_000)

afterAll(async () => {
  await cluster?.close()
})

interface RawFrame {
  readonly kind: number
  readonly flags: number
  readonly requestId: number
  readonly deadlineMs: number
  readonly body: Uint8Array
  readonly badCrc: boolean
}

function encode(f: RawFrame): Buffer {
  const frame = Buffer.alloc(18 + f.body.length)
  frame.writeUInt32LE(f.body.length, 0)
  frame[4] = f.kind
  frame[5] = f.flags
  frame.writeUInt32LE(f.requestId, 6)
  frame.writeUInt32LE(f.deadlineMs, 10)
  frame.set(f.body, 14)
  const crc = crc32c(frame.subarray(0, 14 + f.body.length))
  frame.writeUInt32LE(f.badCrc ? (crc ^ 1) >>> 0 : crc, 14 + f.body.length)
  return frame
}

const methodArb = fc.constantFrom(
  ...Object.values(StorageMethod),
  'raft.batch',
  'raft.installSnapshot',
  'node.shardChecksum',
  'kv.nope',
  '',
)
const paramsArb = fc.oneof(
  fc.record(
    {
      shard: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constant('x')),
      table: fc.constantFrom('fuzz', 'nope', ''),
      partitionKey: fc.uint8Array({ maxLength: 8 }),
      sortKey: fc.uint8Array({ maxLength: 4 }),
      value: fc.uint8Array({ maxLength: 16 }),
      consistency: fc.constantFrom('strong', 'eventual', 'x'),
    },
    { requiredKeys: [] },
  ),
  fc.record({
    v: fc.integer({ min: 0, max: 2 }),
    from: fc.constantFrom('n1', 'n9', ''),
    msgs: fc.array(fc.array(fc.integer({ min: -1, max: 300 }), { maxLength: 6 }), { maxLength: 3 }),
  }),
  fc.jsonValue({ maxDepth: 3 }),
)
const bodyArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(methodArb, paramsArb).map((call) => codec.encode(call)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => codec.encode(value)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
)
const frameArb: fc.Arbitrary<RawFrame> = fc.record({
  kind: fc.oneof({ weight: 9, arbitrary: fc.constant(3) }, fc.integer({ min: 0, max: 255 })),
  flags: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, fc.integer({ min: 0, max: 255 })),
  requestId: fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 1, max: 1_000 }) },
    fc.constantFrom(0, 2 ** 32 - 1),
  ),
  deadlineMs: fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
    fc.constant(0),
  ),
  body: bodyArb,
  badCrc: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
})

describe('fuzz: storage node RPC', () => {
  it('node rpc fuzz: generated frames after hello: node keeps serving, data intact', async () => {
    console.log(`node rpc fuzz seed ${seed} (SHOAL_SEED=${seed} to replay)`)
    let closedByNode = 0
    let answered = 0
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 4 }), async (frames) => {
        const peer = await RawPeer.open(cluster.node('n1').port)
        peer.write(peer.hello({ clusterId: fixtureClusterId }))
        for (const frame of frames) peer.write(encode(frame))
        // The node answers (welcome + one reply per request) or closes the connection.
        await waitFor('node reacts', () => peer.closed || peer.frames.length > frames.length, {
          timeoutMs: 300,
          intervalMs: 10,
        }).catch(() => {})
        if (peer.closed) closedByNode++
        answered += peer.frames.length
        peer.socket.destroy()
        expect((await cluster.status('n1')).ready).toBe(true)
      }),
      { numRuns: 80, seed },
    )
    console.log(
      `node rpc fuzz: ${closedByNode} connections closed by the node, ` +
        `${answered} frames answered`,
    )
    // Not vacuous: both kinds of reaction happened.
    expect(closedByNode).toBeGreaterThan(0)
    expect(answered).toBeGreaterThan(100)
    const read = await cluster.get('fuzz', 'sentinel')
    expect(read.kind).toBe('found')
    const found = read as Extract<GetResponse, { kind: 'found' }>
    expect(new TextDecoder().decode(found.item.value)).toBe('keep')
  }, 120_000)
})
