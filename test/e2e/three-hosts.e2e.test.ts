// The 3-host example (shared/config/examples/three-hosts.yaml) run as shipped, on three
// loopback addresses (Linux routes all of 127/8 to lo): each storage node with
// `shoal storage --config F --node nX` and the gateway with `shoal gateway --config F`, as
// separate processes. Method: copy the example with free ports and a temp data directory
// (every other line as shipped), start the four processes, drive them with the CLI (table,
// put, get, cluster status), then stop each by PID and check that it and the entry point it
// ran exited cleanly.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ShoalClient } from '../../shared/client/shoal-client.ts'
import { loadClusterFile } from '../../shared/config/cluster-file.ts'
import {
  freePort,
  repoRoot,
  spawnTs,
  stop,
  tempDir,
  waitFor,
  type Spawned,
} from '../harness/processes.ts'
import { alive, childrenOf, commandLine, runCli } from './cli.test-helper.ts'

const examplePath = join(repoRoot, 'shared/config/examples/three-hosts.yaml')
const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
const started: Spawned[] = []

afterAll(async () => {
  for (const spawned of started) await stop(spawned)
})

/** The example with free ports and `dataDir` in a temp directory; returns its path and URL. */
async function exampleCopy(): Promise<{ path: string; url: string }> {
  const dir = tempDir('three-hosts')
  let text = readFileSync(examplePath, 'utf8').replace('/var/lib/shoal', join(dir, 'data'))
  for (const host of hosts) {
    for (const port of ['7101', '7201']) {
      text = text.replace(`${host}:${port}`, `${host}:${await freePort()}`)
    }
  }
  const gatewayPort = await freePort()
  text = text.replace('address: 127.0.0.1:8080', `address: 127.0.0.1:${gatewayPort}`)
  const path = join(dir, 'three-hosts.yaml')
  writeFileSync(path, text)
  return { path, url: `http://127.0.0.1:${gatewayPort}` }
}

describe('three hosts e2e', () => {
  it('three hosts: example as shipped: parses, one node per host', () => {
    const file = loadClusterFile(examplePath)
    expect(file.nodes.map((node) => node.address.split(':')[0])).toEqual(hosts)
    expect(file.replicationFactor).toBe(3)
  })

  it('three hosts: shoal storage x3 + shoal gateway: CLI writes and reads', async () => {
    const { path, url } = await exampleCopy()
    const env = { SHOAL_LOG_LEVEL: 'warn' }
    for (const node of ['n1', 'n2', 'n3']) {
      started.push(
        spawnTs('shared/cli/main.ts', ['storage', '--config', path, '--node', node], { env }),
      )
    }
    const gateway = spawnTs('shared/cli/main.ts', ['gateway', '--config', path], { env })
    started.push(gateway)
    const client = new ShoalClient({ baseUrl: url })
    await waitFor('cluster ready', () => client.ready(), { timeoutMs: 60_000, intervalMs: 200 })

    expect((await runCli(['--url', url, 'tables', 'create', 'spread'])).code).toBe(0)
    for (let i = 0; i < 6; i++) {
      const put = await runCli(['--url', url, 'put', 'spread', `key-${i}`, `value-${i}`])
      expect(put, put.stderr).toMatchObject({ code: 0 })
    }
    const get = await runCli(['--url', url, 'get', 'spread', 'key-4'])
    expect(get).toMatchObject({ code: 0, stdout: 'value-4\n' })
    const status = await runCli(['--url', url, '--json', 'cluster', 'status'])
    expect(status.code).toBe(0)
    const parsed = JSON.parse(status.stdout) as {
      ready: boolean
      nodes: Array<{ address: string; healthy: boolean }>
      shards: Array<{ leader: string | null }>
    }
    expect(parsed.ready).toBe(true)
    expect(parsed.nodes.map((node) => node.address.split(':')[0])).toEqual(hosts)
    expect(parsed.nodes.every((node) => node.healthy)).toBe(true)
    const leaders = new Set(parsed.shards.map((shard) => shard.leader))
    expect(leaders.has(null)).toBe(false)

    // Each `shoal` process ran its entry point as a child (beside tsx's esbuild service); both
    // must be gone after a stop.
    const pairs = started.map((spawned) => ({
      spawned,
      children: childrenOf(spawned.pid).filter((pid) =>
        /(storage|gateway)\/main\.ts/.test(commandLine(pid)),
      ),
    }))
    await Promise.all(
      pairs.map(async ({ spawned, children }) => {
        expect(children).toHaveLength(1)
        await stop(spawned, 'SIGTERM', 20_000)
        expect(spawned.child.exitCode, spawned.output()).toBe(0)
        await waitFor('entry point gone', () => children.every((pid) => !alive(pid)), {
          timeoutMs: 10_000,
        })
      }),
    )
    started.length = 0
  }, 120_000)
})
