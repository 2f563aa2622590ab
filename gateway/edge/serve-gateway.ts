/**
 * The gateway's HTTP server, assembled as production runs it: @hono/node-server serving the
 * app, with the gateway's node:http limits (http-server-options.ts), the item-read fast path in
 * front of the app's listener, and (unless turned off, or when the fast path is off for auth or
 * tracing) the raw edge in front of node:http. main.ts and the edge's fuzz suite both use it.
 */
import { serve } from '@hono/node-server'
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http'
import type { ItemReadFastPath } from '../fast-path/item-read.ts'
import {
  applyServerLimits,
  defaultHttpServerLimits,
  httpServerOptions,
  type HttpServerLimits,
} from '../middleware/http-server-options.ts'
import { installRawEdge, RawEdge } from './raw-edge.ts'

export interface GatewayServerOptions {
  readonly fetch: (request: Request) => Response | Promise<Response>
  readonly host: string
  /** 0 for any free port. */
  readonly port: number
  readonly fastPath: ItemReadFastPath
  readonly rawEdge: boolean
  /** Wall-clock milliseconds (the raw edge's Date header). */
  readonly wallMs: () => number
  readonly limits?: Partial<HttpServerLimits>
}

export interface GatewayServer {
  readonly server: Server
  /** Null when the raw edge is off. */
  readonly edge: RawEdge | null
  readonly port: number
  /** Closes the server and every connection (node:http's and the raw edge's). */
  close(onClosed?: () => void): void
}

export async function serveGateway(options: GatewayServerOptions): Promise<GatewayServer> {
  const limits = { ...defaultHttpServerLimits, ...options.limits }
  const { server, port } = await listen(options, limits)
  applyServerLimits(server, limits)
  const fastPath = options.fastPath
  const edge =
    options.rawEdge && fastPath.enabled
      ? new RawEdge({
          serve: (url, requestId, response) => fastPath.serveGet(url, requestId, response),
          headerBytesMax: limits.headerBytesMax,
          keepAliveTimeoutMs: limits.keepAliveTimeoutMs,
          requestsPerSocketMax: limits.requestsPerSocketMax,
          wallMs: options.wallMs,
        })
      : null
  if (edge !== null) installRawEdge(server, edge)
  return {
    server,
    edge,
    port,
    close(onClosed) {
      server.close(onClosed)
      server.closeAllConnections()
      edge?.closeAll()
    },
  }
}

/** node-server's listener (the Hono app) behind the fast path for item reads. */
function withFastPath(fastPath: ItemReadFastPath) {
  return (serverOptions: ServerOptions, app: RequestListener): Server =>
    createServer(serverOptions, (request: IncomingMessage, response: ServerResponse) => {
      if (!fastPath.handle(request, response)) void app(request, response)
    })
}

function listen(
  options: GatewayServerOptions,
  limits: HttpServerLimits,
): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: options.fetch,
        hostname: options.host,
        port: options.port,
        serverOptions: httpServerOptions(limits),
        createServer: withFastPath(options.fastPath) as typeof createServer,
      },
      (info) => resolve({ server: server as Server, port: info.port }),
    )
    server.once('error', reject)
  })
}
