/**
 * A local target for load runs: a real 3-node storage cluster (ClusterFixture, one process per
 * node) and one or more gateway processes (`gateway/main.ts`) on free loopback ports, stopped
 * by pid afterwards. Also the set-up every scenario needs: its table and preloaded keys.
 */
import { ShoalClient, ShoalHttpError } from '../../shared/client/shoal-client.ts'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'
import { freePort, spawnTs, stop, waitFor, type Spawned } from '../../test/harness/processes.ts'
import { keyName, type Scenario } from '../scenarios/scenario.ts'
import { HttpTarget } from './http-target.ts'

/** Writes in flight while preloading keys. */
export const preloadConcurrency = 32

export interface LocalGateway {
  readonly url: string
  readonly process: Spawned
}

export class LocalCluster {
  readonly fixture: ClusterFixture
  readonly gateways: LocalGateway[] = []

  private constructor(fixture: ClusterFixture) {
    this.fixture = fixture
  }

  static async start(options: { shardCount?: number } = {}): Promise<LocalCluster> {
    const fixture = await ClusterFixture.start({ nodes: 3, shardCount: options.shardCount ?? 4 })
    const cluster = new LocalCluster(fixture)
    try {
      await fixture.waitForLeaders()
    } catch (error) {
      await cluster.close()
      throw error
    }
    return cluster
  }

  /** Starts a gateway process against the cluster and waits for /readyz. */
  async startGateway(options: { coalescing: boolean }): Promise<LocalGateway> {
    const port = await freePort()
    const spawned = spawnTs(
      'gateway/main.ts',
      ['--config', this.fixture.configPath, '--port', String(port)],
      { env: { SHOAL_LOG_LEVEL: 'warn', SHOAL_COALESCING: options.coalescing ? 'on' : 'off' } },
    )
    const gateway = { url: `http://127.0.0.1:${port}`, process: spawned }
    this.gateways.push(gateway)
    const client = new ShoalClient({ baseUrl: gateway.url })
    await waitFor(
      'gateway ready',
      () => {
        if (spawned.child.exitCode !== null) {
          throw new Error(`gateway exited: ${spawned.output().slice(-2000)}`)
        }
        return client.ready()
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    )
    return gateway
  }

  async close(): Promise<void> {
    await Promise.all(this.gateways.map((gateway) => stop(gateway.process)))
    await this.fixture.close()
  }
}

/** Creates the scenario's table (an existing one is fine). */
export async function ensureTable(baseUrl: string, table: string): Promise<void> {
  const client = new ShoalClient({ baseUrl })
  try {
    await client.createTable(table, { maxVersions: 1 })
  } catch (error) {
    if (!(error instanceof ShoalHttpError) || error.status !== 409) throw error
  }
}

/**
 * Writes the `count` most popular keys of the scenario (ranks 0..count-1), `concurrency` at a
 * time (more in flight lets the nodes batch more writes per fsync).
 */
export async function preloadKeys(
  baseUrl: string,
  scenario: Scenario,
  count: number,
  concurrency: number = preloadConcurrency,
): Promise<void> {
  const target = new HttpTarget(baseUrl, { sockets: concurrency })
  const value = scenario.mix.cas > 0 ? '0' : 'v'.repeat(scenario.valueBytes)
  const table = encodeURIComponent(scenario.table)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const key = keyName(scenario, next++)
      const outcome = await target.call({
        method: 'PUT',
        path: `/v1/tables/${table}/keys/${encodeURIComponent(key)}`,
        headers: { 'content-type': 'application/octet-stream' },
        body: value,
      })
      if (outcome.status !== 200 && outcome.status !== 201) {
        throw new Error(`preload of ${key} failed: ${outcome.failure ?? outcome.status}`)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(count, concurrency) }, worker))
  } finally {
    target.close()
  }
}
