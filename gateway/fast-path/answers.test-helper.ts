/**
 * What the fast-path tests compare between two servers (the fast path in front of the app, and
 * the app alone): an answer's status, headers and body, minus what legitimately differs.
 */
import type { Server } from 'node:http'
import { afterAll } from 'vitest'
import { SilentLogger } from '../../shared/log.ts'
import { HotPath } from '../backend/hot-path.ts'
import { defaultHotCacheOptions, HotCache } from '../cache/hot-cache.ts'
import { defaultHotKeyDetectorOptions, HotKeyDetector } from '../hot-keys/detector.ts'
import { newErrorStats } from '../http-errors.ts'
import { defaultEdgeLimits } from '../middleware/edge-env.ts'
import type { Fixture } from '../routes/route-fixture.ts'
import { ItemReadFastPath } from './item-read.ts'

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

/** The fast path over a route fixture's backend and clock, as main.ts builds it (auth off). */
export function fastPathFor(f: Fixture, deadlineMs: number): ItemReadFastPath {
  return new ItemReadFastPath({
    backend: f.backend,
    hot: new HotPath(f.clock, {
      detector: new HotKeyDetector(defaultHotKeyDetectorOptions),
      cache: new HotCache(defaultHotCacheOptions),
      options: { maxStalenessMsDefault: 100, cacheWarmEventual: true },
    }),
    clock: f.clock,
    timers: f.clock,
    logger: new SilentLogger(),
    limits: { ...defaultEdgeLimits, deadlineMsDefault: deadlineMs },
    errorStats: newErrorStats(),
    metrics: null,
    authEnabled: false,
    tracing: false,
  })
}
