// The `shoal` CLI against a real local cluster started by the same entry point as `npm start`
// (shared/cli/main.ts start) in a clean temp directory: every command runs as a child process
// and we check its output and exit code, then SIGINT the cluster, check that its processes are
// gone and its ports free, start it again on the same directory and read the data back.
import { createServer } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { ShoalClient } from '../../shared/client/shoal-client.ts'
import { freePort, spawnTs, stop, tempDir, waitFor, type Spawned } from '../harness/processes.ts'
import { alive, childrenOf, runCli, type CliRun } from './cli.test-helper.ts'

const dataDir = tempDir('cli-e2e')
let started: Spawned | undefined

/** `shoal --url URL ...args`; a minute each, for a slow, shared machine. */
function shoal(url: string, args: string[], stdin?: string): Promise<CliRun> {
  return runCli(['--url', url, ...args], {
    timeoutMs: 60_000,
    ...(stdin === undefined ? {} : { stdin }),
  })
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function freeBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000)
    const free = await Promise.all([1, 2, 3].map((n) => portFree(base + n)))
    if (free.every(Boolean)) return base
  }
}

async function startCluster(port: number, base: number, json = false): Promise<Spawned> {
  const args = [...(json ? ['--json'] : []), 'start', '--data-dir', dataDir, '--port', String(port)]
  const spawned = spawnTs('shared/cli/main.ts', [...args, '--node-port-base', String(base)], {
    env: { SHOAL_LOG_LEVEL: 'warn' },
  })
  started = spawned
  const client = new ShoalClient({ baseUrl: `http://127.0.0.1:${port}` })
  await waitFor(
    'cluster ready',
    async () =>
      spawned.output().includes(json ? '{"ready":true' : 'Shoal is ready') &&
      (await client.ready()),
    { timeoutMs: 45_000, intervalMs: 200 },
  )
  return spawned
}

afterAll(async () => {
  if (started !== undefined) await stop(started, 'SIGINT')
})

describe('cli e2e', () => {
  it('cli e2e: session against npm start: outputs, exit codes, clean stop, data kept', async () => {
    const port = await freePort()
    const base = await freeBase()
    const url = `http://127.0.0.1:${port}`
    const first = await startCluster(port, base)

    expect(await shoal(url, ['tables', 'create', 'demo', '--max-versions', '3'])).toMatchObject({
      code: 0,
    })
    const list = await shoal(url, ['tables', 'list'])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^NAME\s+TTL\(s\)/)
    expect(list.stdout).toContain('demo')

    const put = await shoal(url, ['put', 'demo', 'greeting', 'hello'])
    expect(put).toMatchObject({ code: 0 })
    expect(put.stdout).toMatch(/created greeting version (\d+)/)
    const version = Number(/version (\d+)/.exec(put.stdout)?.[1])
    expect(await shoal(url, ['put', 'demo', 'bin', '-'], '\u0000\u00ff')).toMatchObject({ code: 0 })
    const get = await shoal(url, ['get', 'demo', 'greeting'])
    expect(get).toMatchObject({ code: 0, stdout: 'hello\n' })
    const eventual = await shoal(url, [
      '--json',
      'get',
      'demo',
      'greeting',
      '--consistency',
      'eventual',
    ])
    expect(JSON.parse(eventual.stdout)).toMatchObject({ value: 'hello', encoding: 'utf8' })
    expect((await shoal(url, ['get', 'demo', 'bin'])).stdout).toBe('(base64) AMO/\n')

    // CAS: a stale version loses with exit 1; the current one wins.
    const lost = await shoal(url, [
      'put',
      'demo',
      'greeting',
      'x',
      '--if-match',
      String(version + 99),
    ])
    expect(lost.code).toBe(1)
    expect(lost.stderr).toContain('precondition failed')
    const won = await shoal(url, ['put', 'demo', 'greeting', 'hi', '--if-match', String(version)])
    expect(won.code).toBe(0)
    expect((await shoal(url, ['put', 'demo', 'greeting', 'y', '--if-none-match'])).code).toBe(1)

    for (const sort of ['a', 'b', 'c']) {
      expect((await shoal(url, ['put', 'demo', 'p1', `v-${sort}`, '--sort', sort])).code).toBe(0)
    }
    const scan = await shoal(url, ['scan', 'demo', 'p1'])
    expect(scan.code).toBe(0)
    expect(
      scan.stdout
        .split('\n')
        .slice(1, 4)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['a', 'b', 'c'])
    expect(scan.stdout).toContain('v-b')

    // Many pages: --all follows the cursor; a page's cursor resumes with --cursor.
    const direct = new ShoalClient({ baseUrl: url })
    for (let i = 0; i < 7; i++)
      await direct.put('demo', { partition: 'p2', sort: `s${i}` }, `w${i}`)
    const [firstPage, all] = await Promise.all([
      shoal(url, ['--json', 'scan', 'demo', 'p2', '--limit', '3']),
      shoal(url, ['scan', 'demo', 'p2', '--all', '--limit', '2']),
    ])
    const page = JSON.parse(firstPage.stdout) as {
      items: Array<{ sortKey: string }>
      cursor: string | null
    }
    expect(page.items.map((item) => item.sortKey)).toEqual(['s0', 's1', 's2'])
    expect(page.cursor).not.toBeNull()
    const resume = ['--json', 'scan', 'demo', 'p2', '--limit', '3', '--cursor', page.cursor ?? '']
    expect(JSON.parse((await shoal(url, resume)).stdout).items[0].sortKey).toBe('s3')
    expect(all.code).toBe(0)
    expect(all.stdout.trim().split('\n')).toHaveLength(8) // header + 7 items
    expect(all.stdout).not.toContain('(more')
    expect(all.stderr).toBe('') // piped: no progress bar

    const versions = await shoal(url, ['--json', 'versions', 'demo', 'greeting'])
    expect(JSON.parse(versions.stdout).map((v: { value: string }) => v.value)).toEqual([
      'hi',
      'hello',
    ])
    const multi = await shoal(url, ['multi-get', 'demo', 'greeting', 'nope'])
    expect(multi.code).toBe(1)
    expect(multi.stdout).toContain('(not found)')
    // More keys than one request may carry (gateway limit 1000): read in batches, in order.
    const manyKeys = ['greeting', ...Array.from({ length: 1200 }, (_, i) => `absent-${i}`)]
    const [fromStdin, noKeys, many] = await Promise.all([
      shoal(url, ['--json', 'multi-get', 'demo', '--keys-from', '-'], 'greeting\nbin\n'),
      shoal(url, ['multi-get', 'demo']),
      shoal(url, ['--json', 'multi-get', 'demo', '--keys-from', '-'], manyKeys.join('\n')),
    ])
    expect(many.code).toBe(1)
    expect(many.stderr).toContain('1200 of 1201 not found')
    const manyItems = JSON.parse(many.stdout) as Array<{ key: string; found: boolean }>
    expect(manyItems.map((item) => item.key)).toEqual(manyKeys)
    expect(manyItems[0]?.found).toBe(true)
    expect(fromStdin.code).toBe(0)
    expect(JSON.parse(fromStdin.stdout)).toMatchObject([
      { key: 'greeting', found: true, value: 'hi' },
      { key: 'bin', found: true, encoding: 'base64' },
    ])
    expect(noKeys.code).toBe(2)

    expect((await shoal(url, ['del', 'demo', 'bin'])).code).toBe(0)
    const gone = await shoal(url, ['get', 'demo', 'bin'])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain('not found: bin')

    const [hotLines, hot] = await Promise.all([
      shoal(url, ['--json', 'hotkeys', '--watch', '--count', '2']),
      shoal(url, ['hotkeys', '--watch', '--count', '2']),
    ])
    const snapshots = hotLines.stdout.trim().split('\n')
    expect(snapshots).toHaveLength(2)
    for (const line of snapshots) expect(JSON.parse(line)).toHaveProperty('keys')
    expect(hot.code).toBe(0)
    expect(hot.stdout.match(/^TABLE\s+KEY/gm)).toHaveLength(2)
    const status = await shoal(url, ['cluster', 'status'])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('ready: true')

    const downUrl = `http://127.0.0.1:${await freePort()}`
    const [missingArg, badTtl, down] = await Promise.all([
      shoal(url, ['get', 'demo']),
      shoal(url, ['put', 'demo', 'k', 'v', '--ttl', 'soon']),
      shoal(downUrl, ['get', 'demo', 'greeting']),
    ])
    expect(missingArg.code).toBe(2)
    expect(badTtl.code).toBe(2)
    expect(down.code).toBe(3)
    expect(down.stderr).toContain('cannot reach')

    // SIGINT stops everything: the start process exits 0 and every port is free again.
    const childPids = childrenOf(first.pid)
    expect(childPids.length).toBeGreaterThanOrEqual(4) // 3 nodes, gateway (+ tsx helpers)
    await stop(first, 'SIGINT', 20_000)
    expect(first.child.exitCode).toBe(0)
    await waitFor('children gone', () => childPids.every((pid) => !alive(pid)), {
      timeoutMs: 10_000,
    })
    for (const p of [port, base + 1, base + 2, base + 3]) expect(await portFree(p)).toBe(true)

    // A second start on the same directory serves the same data; --json says ready in one line.
    const second = await startCluster(port, base, true)
    const ready = JSON.parse(
      second
        .output()
        .split('\n')
        .find((l) => l.startsWith('{"ready"')) ?? '',
    )
    expect(ready).toMatchObject({ ready: true, url })
    const again = await shoal(url, ['get', 'demo', 'greeting'])
    expect(again).toMatchObject({ code: 0, stdout: 'hi\n' })
    const described = await shoal(url, ['--json', 'tables', 'describe', 'demo'])
    expect(JSON.parse(described.stdout)).toMatchObject({ name: 'demo' })
  }, 300_000)
})
