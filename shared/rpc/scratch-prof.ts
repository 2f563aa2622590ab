import { deadlineIn, newClient, startServer } from './rpc-fixture.ts'
const { server, port } = await startServer({ handler: async (_m, p) => p })
const rpc = newClient(port)
const params = {
  shard: 3,
  table: 'bench',
  partitionKey: new Uint8Array(16),
  value: new Uint8Array(100),
}
let count = 0
const end = performance.now() + 2000
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (performance.now() < end) {
      await rpc.request('kv.put', params, deadlineIn(10000))
      count++
    }
  }),
)
console.log('req/s', count / 2, JSON.stringify(server.stats), JSON.stringify(rpc.stats))
rpc.close()
await server.close()
