/**
 * Pure pieces of the etcd peer used by `npm run bench -- cluster`: the command line of each
 * member of a loopback cluster (fsync stays on: `--unsafe-no-fsync` is refused), the child's
 * environment without inherited ETCD_* settings, the JSON gateway's request bodies (keys and
 * values base64, as grpc-gateway maps `bytes`), the gRPC deadline header, and finding the
 * leader from the members' `/v3/maintenance/status` answers.
 */

export interface EtcdMember {
  readonly name: string
  readonly clientPort: number
  readonly peerPort: number
}

/** Shared by every member so that a stray member of another cluster cannot join this one. */
export const etcdClusterToken = 'shoal-bench'
/** Flags that trade durability for speed; the comparison is with fsync on, as Shoal runs. */
const forbiddenFlags = ['--unsafe-no-fsync']

export function clientUrl(member: EtcdMember): string {
  return `http://127.0.0.1:${member.clientPort}`
}

export function peerUrl(member: EtcdMember): string {
  return `http://127.0.0.1:${member.peerPort}`
}

/** `--initial-cluster`: every member's name and peer URL. */
export function initialCluster(members: readonly EtcdMember[]): string {
  if (members.length === 0) throw new Error('etcd: a cluster needs at least one member')
  const names = new Set(members.map((m) => m.name))
  if (names.size !== members.length) throw new Error('etcd: member names must be unique')
  return members.map((m) => `${m.name}=${peerUrl(m)}`).join(',')
}

/** The argv (after the binary) of one member of a new cluster; data in `dataDir`. */
export function memberArgs(
  member: EtcdMember,
  members: readonly EtcdMember[],
  dataDir: string,
  extra: readonly string[] = [],
): string[] {
  if (!members.some((m) => m.name === member.name)) {
    throw new Error(`etcd: ${member.name} is not in the member list`)
  }
  for (const flag of extra) {
    if (forbiddenFlags.some((f) => flag === f || flag.startsWith(`${f}=`))) {
      throw new Error(`etcd: ${flag} would turn fsync off; the bench compares with fsync on`)
    }
  }
  return [
    '--name',
    member.name,
    '--data-dir',
    dataDir,
    '--listen-client-urls',
    clientUrl(member),
    '--advertise-client-urls',
    clientUrl(member),
    '--listen-peer-urls',
    peerUrl(member),
    '--initial-advertise-peer-urls',
    peerUrl(member),
    '--initial-cluster',
    initialCluster(members),
    '--initial-cluster-state',
    'new',
    '--initial-cluster-token',
    etcdClusterToken,
    '--logger',
    'zap',
    '--log-outputs',
    'stderr',
    '--log-level',
    'warn',
    ...extra,
  ]
}

/** The parent's environment less ETCD_* variables (etcd reads flags from them too). */
export function memberEnv(parent: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(parent)) {
    if (value !== undefined && !key.startsWith('ETCD_')) env[key] = value
  }
  return env
}

function base64(text: string | Uint8Array): string {
  return Buffer.from(text).toString('base64')
}

/** Body of `POST <prefix>/kv/put`. */
export function putBody(key: string, value: Uint8Array): string {
  return JSON.stringify({ key: base64(key), value: base64(value) })
}

/** Body of `POST <prefix>/kv/range`: linearizable unless `serializable` (any member's view). */
export function rangeBody(key: string, serializable: boolean): string {
  return JSON.stringify(
    serializable ? { key: base64(key), serializable: true } : { key: base64(key) },
  )
}

/** The `Grpc-Timeout` header value grpc-gateway turns into the call's deadline (ms units). */
export function grpcTimeout(budgetMs: number): string {
  if (!Number.isFinite(budgetMs) || budgetMs < 1) {
    throw new Error(`etcd: a deadline budget must be at least 1 ms, got ${budgetMs}`)
  }
  return `${Math.floor(budgetMs)}m`
}

/** The part of a `maintenance/status` answer the bench reads (ids are uint64 as strings). */
export interface EtcdStatus {
  readonly memberId: string
  readonly leaderId: string
  readonly raftTerm: number
}

export function parseStatus(json: unknown): EtcdStatus {
  const o = json as { header?: { member_id?: unknown }; leader?: unknown; raftTerm?: unknown }
  const memberId = o?.header?.member_id
  const leaderId = o?.leader
  if (typeof memberId !== 'string' || typeof leaderId !== 'string') {
    throw new Error(`etcd: status without member_id/leader: ${JSON.stringify(json)}`)
  }
  return { memberId, leaderId, raftTerm: Number(o.raftTerm ?? 0) }
}

/**
 * The name of the leader from the answers of the members that replied (name → status), or
 * null when none of them is the leader that the highest-term answers agree on ("0" = none).
 */
export function leaderName(answers: ReadonlyMap<string, EtcdStatus>): string | null {
  let term = -1
  for (const s of answers.values()) term = Math.max(term, s.raftTerm)
  const current = [...answers.values()].filter((s) => s.raftTerm === term)
  const leaders = new Set(current.map((s) => s.leaderId))
  if (leaders.size !== 1) return null
  const [leaderId] = leaders
  for (const [name, s] of answers) if (s.memberId === leaderId && leaderId !== '0') return name
  return null
}
