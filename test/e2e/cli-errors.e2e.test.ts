// What an operator sees when start-up cannot go on: each config mistake (unknown field, bad
// address, missing node) is one clear line on stderr and exit code 2, from `shoal storage`,
// `shoal gateway` and `shoal start` alike; `shoal start` on a taken port or on a data directory
// from an incompatible version says so and exits 2 before starting anything. Method: real
// `shoal` processes (no cluster is needed: every case fails before serving) and files in a
// temp directory; the taken port is held by a listener of this test.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, tempDir } from '../harness/processes.ts'
import { runCli, type CliRun } from './cli.test-helper.ts'

const dir = tempDir('cli-errors')
const valid = [
  'clusterId: errors',
  'shardCount: 4',
  `dataDir: ${join(dir, 'data')}`,
  'nodes:',
  '  - { id: n1, address: "127.0.0.1:7101" }',
  '  - { id: n2, address: "127.0.0.1:7102" }',
  '  - { id: n3, address: "127.0.0.1:7103" }',
  '',
].join('\n')

const mistakes = {
  'unknown field': { text: valid + 'shards: 4\n', says: /shards/ },
  'bad address': {
    text: valid.replace('127.0.0.1:7102', '127.0.0.1:99999'),
    says: /nodes\.1\.address: bad address "127\.0\.0\.1:99999"/,
  },
} as const

function configFile(name: string, text: string): string {
  const path = join(dir, `${name.replace(/ /g, '-')}.yaml`)
  writeFileSync(path, text)
  return path
}

/** Exactly one non-empty stderr line, matching `says`, and exit code 2. */
function expectOneLine(run: CliRun, says: RegExp): void {
  const lines = run.stderr.split('\n').filter((line) => line.trim() !== '')
  expect(lines, run.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(says)
  expect(run.code).toBe(2)
}

const holders: Server[] = []
afterAll(async () => {
  for (const server of holders) await new Promise((done) => server.close(done))
})

describe('cli errors e2e', () => {
  for (const [what, mistake] of Object.entries(mistakes)) {
    it(`cli errors: ${what}: storage and gateway: one line, exit 2`, async () => {
      const path = configFile(what, mistake.text)
      const [storage, gateway] = await Promise.all([
        runCli(['storage', '--config', path, '--node', 'n1']),
        runCli(['gateway', '--config', path]),
      ])
      expectOneLine(storage, mistake.says)
      expectOneLine(gateway, mistake.says)
    })
  }

  it('cli errors: missing node: storage names it and the known ones, exit 2', async () => {
    const path = configFile('missing-node', valid)
    const run = await runCli(['storage', '--config', path, '--node', 'n9'])
    expectOneLine(run, /node "n9" is not in the cluster file \(known: n1, n2, n3\)/)
  })

  it('cli errors: no such cluster file: one line, exit 2', async () => {
    const run = await runCli(['gateway', '--config', join(dir, 'absent.yaml')])
    expectOneLine(run, /absent\.yaml: cannot read the cluster file/)
  })

  it('cli errors: start on a data dir with a bad cluster file: one line, exit 2', async () => {
    const dataDir = join(dir, 'start-bad-config')
    mkdirSync(dataDir)
    writeFileSync(join(dataDir, 'SHOAL_VERSION'), '1\n')
    writeFileSync(join(dataDir, 'cluster.yaml'), mistakes['unknown field'].text)
    const run = await runCli(['start', '--data-dir', dataDir, '--port', `${await freePort()}`])
    expectOneLine(run, /cluster\.yaml: \(root\): .*shards/)
  })

  it('cli errors: start on a data dir of another version: says so, exit 2', async () => {
    const dataDir = join(dir, 'start-old-version')
    mkdirSync(dataDir)
    writeFileSync(join(dataDir, 'SHOAL_VERSION'), '999\n')
    const run = await runCli(['start', '--data-dir', dataDir, '--port', `${await freePort()}`])
    expectOneLine(run, /holds data format 999; this Shoal reads format 1/)
  })

  it('cli errors: bad --shards or --port: one line, exit 2, nothing written', async () => {
    const dataDir = join(dir, 'start-bad-flags')
    const [shards, port] = await Promise.all([
      runCli(['start', '--data-dir', dataDir, '--shards', '0']),
      runCli(['start', '--data-dir', dataDir, '--port', '99999']),
    ])
    expectOneLine(shards, /--shards <count>' argument '0' is invalid\. expected a shard count/)
    expectOneLine(port, /--port <port>' argument '99999' is invalid\. expected a port number/)
    expect(existsSync(dataDir)).toBe(false)
  })

  it('cli errors: start with the gateway port taken: says which, exit 2', async () => {
    const port = await freePort()
    const holder = createServer()
    holders.push(holder)
    await new Promise<void>((done) => holder.listen(port, '127.0.0.1', done))
    const dataDir = join(dir, 'start-port-taken')
    const base = (await freePort()) - 10 // nodes on base+1..3: almost surely free too
    const run = await runCli([
      'start',
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--node-port-base',
      String(base),
    ])
    expectOneLine(run, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`))
  })
})
