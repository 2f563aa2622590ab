/**
 * The cluster file: one YAML (or JSON) document that describes a whole deployment, so the same
 * processes run on one laptop or many hosts. Parsed strictly: an unknown field, a bad address or
 * a missing node is a ConfigError with one clear line per problem.
 *
 * ```yaml
 * clusterId: local            # refuses to talk to peers of another cluster
 * shardCount: 16              # fixed for the cluster's life (jump hash)
 * replicationFactor: 3
 * dataDir: ./data             # default parent of each node's data directory
 * leaderPreference: [n1]      # optional: shard leaders move to the first able node listed
 * nodes:
 *   - id: n1
 *     address: 127.0.0.1:7101 # RPC for the gateway and peers
 *     metricsAddress: 127.0.0.1:7201   # optional HTTP /metrics, /healthz
 *     dataDir: ./data/n1      # optional; default <dataDir>/<id>
 * gateway:
 *   address: 127.0.0.1:8080
 *   flightCycleMsMin: 2       # optional: least ms from a flight's departure to its answer
 *   auth:                     # off is allowed only on loopback
 *     enabled: true
 *     keys:
 *       - id: batch-loader
 *         sha256Hex: <sha256 of the bearer token, hex>
 *         grants: { features: write, "*": read }
 * ```
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly problems: readonly string[]
  constructor(problems: readonly string[]) {
    super(problems.join('\n'))
    this.problems = problems
  }
}

const hostPort = z.string().refine((text) => parseHostPort(text) !== null, {
  error: (issue) => `bad address "${String(issue.input)}": expected host:port, port 1-65535`,
})

const nodeId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'node id must be 1-32 of [a-z0-9_-], starting alnum')

const NodeEntry = z.strictObject({
  id: nodeId,
  address: hostPort,
  metricsAddress: hostPort.optional(),
  dataDir: z.string().min(1).optional(),
})

const ApiKeyEntry = z.strictObject({
  id: z.string().min(1).max(64),
  sha256Hex: z.string().regex(/^[0-9a-f]{64}$/, 'sha256Hex must be 64 lowercase hex digits'),
  grants: z.record(z.string(), z.enum(['read', 'write', 'admin'])),
  revoked: z.boolean().optional(),
  ratePerSec: z.number().positive().optional(),
  burst: z.number().positive().optional(),
})

const AuthEntry = z.discriminatedUnion('enabled', [
  z.strictObject({ enabled: z.literal(false) }),
  z.strictObject({ enabled: z.literal(true), keys: z.array(ApiKeyEntry).min(1) }),
])

const GatewayEntry = z.strictObject({
  address: hostPort.default('127.0.0.1:8080'),
  /**
   * The least time from a coalesced read's departure to its settlement (CoalescedReader's
   * `flightCycleMsMin`): a hot key costs each gateway at most one backend read per this many
   * ms even when the backend answers faster. 0 sends the forming flight as soon as the one in
   * the air returns.
   */
  flightCycleMsMin: z.number().int().min(0).max(1_000).default(2),
  /** Off by default, which is allowed only on a loopback address. */
  auth: AuthEntry.default({ enabled: false }),
})

export const ClusterFileSchema = z
  .strictObject({
    clusterId: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'clusterId must be 1-64 of [a-zA-Z0-9_-]'),
    shardCount: z.number().int().min(1).max(65_536),
    replicationFactor: z.number().int().min(1).max(7).default(3),
    dataDir: z.string().min(1).default('./data'),
    nodes: z.array(NodeEntry).min(1),
    /**
     * Nodes that should lead every shard, most preferred first (storage/multiraft/
     * leader-preference.ts): for nodes that share one host's cores, where one leader node
     * costs the least CPU per write. Unset: elections place leaders (spread over hosts).
     */
    leaderPreference: z.array(nodeId).optional(),
    gateway: GatewayEntry.default({
      address: '127.0.0.1:8080',
      flightCycleMsMin: 2,
      auth: { enabled: false },
    }),
  })
  .superRefine((file, context) => {
    const seen = new Set<string>()
    for (const node of file.nodes) {
      if (seen.has(node.id))
        context.addIssue({ code: 'custom', message: `duplicate node ${node.id}` })
      seen.add(node.id)
    }
    const preferred = new Set<string>()
    for (const id of file.leaderPreference ?? []) {
      if (!seen.has(id)) {
        context.addIssue({ code: 'custom', message: `leaderPreference names unknown node ${id}` })
      }
      if (preferred.has(id)) {
        context.addIssue({ code: 'custom', message: `leaderPreference lists ${id} twice` })
      }
      preferred.add(id)
    }
    if (file.replicationFactor > file.nodes.length) {
      context.addIssue({
        code: 'custom',
        message: `replicationFactor ${file.replicationFactor} exceeds ${file.nodes.length} nodes`,
      })
    }
  })

export type ClusterFile = z.infer<typeof ClusterFileSchema>
export type ClusterNodeEntry = ClusterFile['nodes'][number]

export interface HostPort {
  host: string
  port: number
}

export function parseHostPort(text: string): HostPort | null {
  const match = /^(\[[0-9a-fA-F:]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/.exec(text)
  if (match === null) return null
  const port = Number(match[2])
  if (port < 1 || port > 65_535) return null
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port }
}

/** Parses cluster-file text; `source` names it in error lines. */
export function parseClusterFile(text: string, source: string): ClusterFile {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new ConfigError([`${source}: not valid YAML: ${message}`])
  }
  const parsed = ClusterFileSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const path = issue.path.length > 0 ? issue.path.join('.') : '(root)'
        return `${source}: ${path}: ${issue.message}`
      }),
    )
  }
  return parsed.data
}

export function loadClusterFile(path: string): ClusterFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    throw new ConfigError([`${path}: cannot read the cluster file`])
  }
  const file = parseClusterFile(text, path)
  // Relative data directories are relative to the cluster file, not the working directory.
  const base = dirname(resolve(path))
  const dataDir = isAbsolute(file.dataDir) ? file.dataDir : resolve(base, file.dataDir)
  return {
    ...file,
    dataDir,
    nodes: file.nodes.map((node) =>
      node.dataDir === undefined || isAbsolute(node.dataDir)
        ? node
        : { ...node, dataDir: resolve(base, node.dataDir) },
    ),
  }
}

export function nodeEntry(file: ClusterFile, id: string): ClusterNodeEntry {
  const node = file.nodes.find((candidate) => candidate.id === id)
  if (node === undefined) {
    const known = file.nodes.map((candidate) => candidate.id).join(', ')
    throw new ConfigError([`node "${id}" is not in the cluster file (known: ${known})`])
  }
  return node
}

export function nodeDataDir(file: ClusterFile, node: ClusterNodeEntry): string {
  return node.dataDir ?? resolve(file.dataDir, node.id)
}
