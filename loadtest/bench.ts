/**
 * `npm run bench -- <name> [--quick]`: runs one benchmark and prints JSON lines, one per
 * measurement, with the peer measured in the same run beside ours. Benchmarks never pass or
 * fail on absolute times; compare the ratios and percentiles within one run.
 */

type BenchRunner = (options: { quick: boolean }) => Promise<void>

const benches: Record<string, () => Promise<BenchRunner>> = {
  lsm: async () => (await import('./bench/lsm.ts')).runLsmBench,
  raft: async () => (await import('./bench/raft.ts')).runRaftBench,
  rpc: async () => (await import('./bench/rpc.ts')).runRpcBench,
  cluster: async () => (await import('./bench/cluster.ts')).runClusterBench,
  gateway: async () => (await import('./bench/gateway.ts')).runGatewayBench,
  collapse: async () => (await import('./bench/collapse.ts')).runCollapseBench,
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const name = args.find((arg) => !arg.startsWith('--'))
  const quick = args.includes('--quick')
  const load = name === undefined ? undefined : benches[name]
  if (load === undefined) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [--quick]\n`)
    process.exitCode = 2
    return
  }
  const run = await load()
  await run({ quick })
}

await main()
