/**
 * Goal: a storage node refuses bad input with errors and never crashes. Method: a real
 * one-node process receives unknown methods, malformed params, junk Raft batches, garbage
 * bytes, an oversize frame header and a silent peer; after each, node.status must still
 * answer. A bad cluster file must make the process exit with code 2 and a one-line error.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StorageMethod } from '../../shared/api/storage-api.ts'
import { isShoalError } from '../../shared/errors.ts'
import { RawPeer } from '../../shared/rpc/rpc-fixture.ts'
import { ClusterFixture, fixtureClusterId } from '../../storage/node/cluster-fixture.ts'
import { repoRoot, tempDir, waitFor } from '../harness/processes.ts'

let cluster: ClusterFixture

beforeAll(async () => {
  cluster = await ClusterFixture.start({ nodes: 1, shardCount: 1 })
  await cluster.waitForLeaders()
})

afterAll(async () => {
  await cluster?.close()
})

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (isShoalError(error)) return error.code
    throw error
  }
  return 'no error'
}

async function stillServes(): Promise<void> {
  const status = await cluster.status('n1')
  expect(status.ready).toBe(true)
}

describe('storage node: bad input', () => {
  it('storage node: unknown method, malformed params: bad-request, keeps serving',
    async () => {
    expect(await errorCode(cluster.call('n1', 'kv.nope', {}))).toBe('bad-request')
    expect(await errorCode(cluster.call('n1', StorageMethod.put, { shard: 'x' }))).toBe(
      'bad-request')
    expect(await errorCode(cluster.call('n1', 'raft.batch', { v: 1, from: 'n1',
      msgs: [[0, 99]] }))).toBe('protocol')
    await stillServes()
  })

  it('storage node: garbage bytes, oversize frame: connection closed, keeps serving',
    async () => {
    const port = cluster.node('n1').port
    const garbage = await RawPeer.open(port)
    garbage.write(new Uint8Array(64).fill(0xab))
    await waitFor('garbage peer closed', () => garbage.closed, { timeoutMs: 5_000 })
    const oversize = await RawPeer.open(port)
    oversize.write(oversize.hello({ clusterId: fixtureClusterId }))
    const header = new Uint8Array(14)
    new DataView(header.buffer).setUint32(0, 0x7fffffff, true)
    oversize.write(header)
    await waitFor('oversize peer closed', () => oversize.closed, { timeoutMs: 5_000 })
    await stillServes()
  })

  it('storage node: a peer that never says hello: dropped after the handshake limit', async () => {
    const silent = await RawPeer.open(cluster.node('n1').port)
    await waitFor('silent peer closed', () => silent.closed, { timeoutMs: 10_000 })
    await stillServes()
  })

  it('storage main: bad cluster file: exit code 2 with a one-line error', () => {
    const dir = tempDir('badconfig')
    const path = join(dir, 'cluster.yaml')
    writeFileSync(path, 'clusterId: x\nshardCount: 0\nnodes: []\n')
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'storage/main.ts'),
      '--config', path, '--node', 'n1'], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('config error:')
    const missing = spawnSync(process.execPath, ['--import', 'tsx',
      join(repoRoot, 'storage/main.ts')], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 })
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('--config')
    const badCache = spawnSync(process.execPath, ['--import', 'tsx',
      join(repoRoot, 'storage/main.ts'), '--config', cluster.configPath, '--node', 'n1'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 30_000,
      env: { ...process.env, SHOAL_BLOCK_CACHE_MIB: 'lots' },
    })
    expect(badCache.status).toBe(2)
    expect(badCache.stderr).toContain('SHOAL_BLOCK_CACHE_MIB must be an integer >= 1, got "lots"')
  })
})
