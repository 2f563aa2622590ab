/**
 * Node HTTP server settings that protect the edge from slow and abusive clients (TESTING.md
 * (e)): header size (431), header and request timeouts (408 on slowloris and slow bodies),
 * keep-alive timeout, requests per socket and connections at once. The app cannot enforce
 * these itself: they act before Hono sees a request. main.ts passes `httpServerOptions()` to
 * @hono/node-server's `serve({ serverOptions })` and then calls `applyServerLimits(server)`.
 * Plain values only, no I/O here; the HTTP parser stays strict (insecureHTTPParser off).
 */
import type { Server, ServerOptions } from 'node:http'
import { limits } from '../../shared/limits.ts'

export interface HttpServerLimits {
  readonly headerBytesMax: number
  readonly headersTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  readonly requestsPerSocketMax: number
  readonly connectionsMax: number
  /**
   * How often Node sweeps sockets for the two timeouts; its default of 30 s would let a
   * slowloris hold a socket for headersTimeout + 30 s.
   */
  readonly connectionsCheckingIntervalMs: number
}

export const defaultHttpServerLimits: HttpServerLimits = {
  headerBytesMax: limits.gatewayHeaderBytesMax,
  headersTimeoutMs: limits.gatewayHeadersTimeoutMs,
  requestTimeoutMs: limits.gatewayRequestTimeoutMs,
  keepAliveTimeoutMs: limits.gatewayKeepAliveTimeoutMs,
  requestsPerSocketMax: limits.gatewayRequestsPerSocketMax,
  connectionsMax: limits.gatewayConnectionsMax,
  connectionsCheckingIntervalMs: 1_000,
}

export function httpServerOptions(overrides: Partial<HttpServerLimits> = {}): ServerOptions {
  const l = { ...defaultHttpServerLimits, ...overrides }
  return {
    maxHeaderSize: l.headerBytesMax,
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: l.connectionsCheckingIntervalMs,
    insecureHTTPParser: false,
    requireHostHeader: true,
  }
}

/** Limits Node exposes as server properties rather than constructor options. */
export function applyServerLimits(server: Server, overrides: Partial<HttpServerLimits> = {}): void {
  const l = { ...defaultHttpServerLimits, ...overrides }
  server.maxRequestsPerSocket = l.requestsPerSocketMax
  server.maxConnections = l.connectionsMax
}
