/**
 * The end-to-end tests' common set-up: a real storage cluster (ClusterFixture, one process per
 * node) with one gateway process in front of it, ready to serve, and one `close` that stops
 * both by pid. A gateway that dies while starting fails the set-up with its output.
 */
import { ShoalClient } from '../../shared/client/shoal-client.ts'
import { ClusterFixture } from '../../storage/node/cluster-fixture.ts'
import { freePort, spawnTs, stop, waitFor, type Spawned } from './processes.ts'

export interface GatewayOverCluster {
  readonly fixture: ClusterFixture
  readonly gateway: Spawned
  readonly port: number
  readonly baseUrl: string
  readonly client: ShoalClient
  close(): Promise<void>
}

export async function startGatewayOverCluster(options: {
  nodes: number
  shardCount: number
  env?: Record<string, string>
}): Promise<GatewayOverCluster> {
  const fixture = await ClusterFixture.start({
    nodes: options.nodes,
    shardCount: options.shardCount,
  })
  let gateway: Spawned | null = null
  const close = async (): Promise<void> => {
    if (gateway !== null) await stop(gateway)
    await fixture.close()
  }
  try {
    await fixture.waitForLeaders()
    const port = await freePort()
    const spawned = spawnTs(
      'gateway/main.ts',
      ['--config', fixture.configPath, '--port', String(port)],
      {
        env: { SHOAL_LOG_LEVEL: 'warn', ...options.env },
      },
    )
    gateway = spawned
    const baseUrl = `http://127.0.0.1:${port}`
    const client = new ShoalClient({ baseUrl })
    await waitFor(
      'gateway ready',
      () => {
        if (spawned.child.exitCode !== null) {
          throw new Error(`the gateway exited: ${spawned.output().slice(-2_000)}`)
        }
        return client.ready()
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    )
    return { fixture, gateway: spawned, port, baseUrl, client, close }
  } catch (error) {
    await close()
    throw error
  }
}
