/**
 * The gateway's REST API as the load generator calls it: raw node:http with a keep-alive
 * agent, no body parsing beyond what an operation needs, so the generator spends as little of
 * the shared CPU as it can. (Set-up uses the typed ShoalClient; the hot loop uses this.) Each
 * call resolves to an outcome and never rejects: network failures and timeouts are outcomes
 * too, so a run counts them instead of stopping.
 */
import { Agent, request } from 'node:http'

/** Per-request timeout: a request slower than this is counted as 'timeout'. */
export const requestTimeoutMs = 10_000

export interface HttpOutcome {
  /** HTTP status, or 0 for a network error / timeout (see `failure`). */
  readonly status: number
  readonly failure: 'network' | 'timeout' | null
  /** X-Shoal-Coalesced: 'leader' | 'follower' | 'cache' (null when absent). */
  readonly role: string | null
  readonly etag: string | null
  readonly body: string
}

export interface HttpCall {
  readonly method: 'GET' | 'PUT' | 'POST'
  readonly path: string
  readonly headers?: Record<string, string>
  readonly body?: string | Uint8Array
  /** Keep the response body (otherwise it is drained and dropped). */
  readonly keepBody?: boolean
}

export class HttpTarget {
  readonly #host: string
  readonly #port: number
  readonly #agent: Agent

  constructor(baseUrl: string, options: { sockets: number }) {
    const url = new URL(baseUrl)
    if (url.protocol !== 'http:') throw new Error(`only http:// targets, got ${baseUrl}`)
    this.#host = url.hostname
    this.#port = Number(url.port === '' ? 80 : url.port)
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.sockets })
  }

  call(call: HttpCall): Promise<HttpOutcome> {
    return new Promise((resolve) => {
      let settled = false
      const finish = (outcome: HttpOutcome): void => {
        if (settled) return
        settled = true
        resolve(outcome)
      }
      const failed = (failure: 'network' | 'timeout'): HttpOutcome => ({
        status: 0,
        failure,
        role: null,
        etag: null,
        body: '',
      })
      const req = request(
        {
          host: this.#host,
          port: this.#port,
          method: call.method,
          path: call.path,
          headers: call.headers,
          agent: this.#agent,
          timeout: requestTimeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = []
          if (call.keepBody === true) res.on('data', (chunk: Buffer) => chunks.push(chunk))
          else res.resume()
          res.on('end', () =>
            finish({
              status: res.statusCode ?? 0,
              failure: null,
              role: headerOf(res.headers['x-shoal-coalesced']),
              etag: headerOf(res.headers['etag']),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          )
          res.on('error', () => finish(failed('network')))
        },
      )
      req.on('timeout', () => {
        finish(failed('timeout'))
        req.destroy()
      })
      req.on('error', () => finish(failed('network')))
      req.end(call.body)
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}

function headerOf(value: string | string[] | undefined): string | null {
  if (value === undefined) return null
  return Array.isArray(value) ? (value[0] ?? null) : value
}
