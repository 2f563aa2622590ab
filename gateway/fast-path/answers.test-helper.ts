/**
 * What the fast-path tests compare between two servers (the fast path in front of the app, and
 * the app alone): an answer's status, headers and body, minus what legitimately differs.
 */
import type { Server } from 'node:http'
import { afterAll } from 'vitest'

export interface Answer {
  status: number
  headers: Record<string, string>
  body: string
}

/** The answer without its Date header, and without an X-Request-Id the server made up. */
export async function answerOf(response: Response): Promise<Answer> {
  const headers = Object.fromEntries(response.headers.entries())
  delete headers['date']
  if (!/^req-/.test(headers['x-request-id'] ?? '')) delete headers['x-request-id']
  return { status: response.status, headers, body: await response.text() }
}

/** Closes `servers` (and their keep-alive connections) after the file's tests. */
export function closeServersAfterAll(servers: readonly Server[]): void {
  afterAll(() => {
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
  })
}
