/**
 * A small client for etcd's JSON gateway (grpc-gateway inside each member, same port as gRPC)
 * over Node's http with a keep-alive agent: put, linearizable or serializable range, and
 * maintenance status. Each call carries its deadline to etcd as `Grpc-Timeout` and is also cut
 * on our side a little after it, so a member that never answers still ends the call. The path
 * prefix (`/v3` in etcd 3.4, `/v3beta` in older releases) is found by trying it.
 */
import { Agent, request } from 'node:http'
import { grpcTimeout, parseStatus, putBody, rangeBody, type EtcdStatus } from './etcd-args.ts'

export type EtcdFailure = 'deadline' | 'connection' | 'server'

export class EtcdRequestError extends Error {
  override readonly name = 'EtcdRequestError'
  readonly kind: EtcdFailure
  /** The HTTP status for 'server' failures (0 otherwise). */
  readonly status: number

  constructor(kind: EtcdFailure, message: string, status = 0) {
    super(message)
    this.kind = kind
    this.status = status
  }
}

/** Sockets per member: above the bench's highest concurrency so no request queues for one. */
const socketsPerHostMax = 256
/** How long after the deadline we cut a call etcd has not answered (it should answer first). */
const deadlineGraceMs = 250
/** Prefixes the JSON gateway has used, newest first. */
const prefixes = ['/v3', '/v3beta'] as const
/** The client path the bench names in its output. */
export const etcdClientPath = 'etcd-json-gateway'

export class EtcdJsonClient {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: socketsPerHostMax })
  #prefix: string = prefixes[0]

  get prefix(): string {
    return this.#prefix
  }

  /**
   * Tries each known prefix on `baseUrl` and keeps the first the gateway answers 200 on. Only a
   * 404 moves on to the next prefix; any other failure (member not up yet) is thrown.
   */
  async detectPrefix(baseUrl: string, budgetMs = 2_000): Promise<string> {
    const tried: string[] = []
    for (const prefix of prefixes) {
      try {
        await this.#post(`${baseUrl}${prefix}/maintenance/status`, '{}', budgetMs)
        this.#prefix = prefix
        return prefix
      } catch (error) {
        if (!(error instanceof EtcdRequestError && error.status === 404)) throw error
        tried.push(`${prefix}: ${error.message}`)
      }
    }
    throw new Error(`etcd: no JSON gateway prefix answered on ${baseUrl} (${tried.join('; ')})`)
  }

  async put(baseUrl: string, key: string, value: Uint8Array, budgetMs: number): Promise<void> {
    await this.#post(`${baseUrl}${this.#prefix}/kv/put`, putBody(key, value), budgetMs)
  }

  /** Reads one key; returns whether it exists (the value is decoded only to check it). */
  async range(
    baseUrl: string,
    key: string,
    serializable: boolean,
    budgetMs: number,
  ): Promise<boolean> {
    const answer = (await this.#post(
      `${baseUrl}${this.#prefix}/kv/range`,
      rangeBody(key, serializable),
      budgetMs,
    )) as { kvs?: unknown[] }
    return Array.isArray(answer.kvs) && answer.kvs.length > 0
  }

  async status(baseUrl: string, budgetMs = 1_000): Promise<EtcdStatus> {
    return parseStatus(
      await this.#post(`${baseUrl}${this.#prefix}/maintenance/status`, '{}', budgetMs),
    )
  }

  close(): void {
    this.#agent.destroy()
  }

  #post(url: string, body: string, budgetMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let settled = false
      const finish = (error: EtcdRequestError | null, value?: unknown): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (error === null) resolve(value)
        else reject(error)
      }
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.#agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'grpc-timeout': grpcTimeout(budgetMs),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('error', (e) => finish(new EtcdRequestError('connection', e.message)))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            if (res.statusCode !== 200) {
              const status = res.statusCode ?? 0
              finish(new EtcdRequestError('server', `${status}: ${text.slice(0, 200)}`, status))
              return
            }
            try {
              finish(null, JSON.parse(text))
            } catch {
              finish(new EtcdRequestError('server', `not JSON: ${text.slice(0, 200)}`))
            }
          })
        },
      )
      const timer = setTimeout(() => {
        finish(new EtcdRequestError('deadline', `no answer within ${budgetMs} ms`))
        req.destroy()
      }, budgetMs + deadlineGraceMs)
      req.on('error', (e) => finish(new EtcdRequestError('connection', e.message)))
      req.end(body)
    })
  }
}
