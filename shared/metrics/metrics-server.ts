/**
 * A minimal HTTP server for `GET /metrics` in processes that have no HTTP edge of their own
 * (storage nodes speak only the binary RPC protocol). It answers the render callback's text in
 * the Prometheus format; any other path is 404 and any other method 405. Bounded like the
 * gateway's edge: headers within a time and size limit, no request body read, few sockets.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { limits } from '../limits.ts'
import type { Logger } from '../log.ts'
import { prometheusContentType } from './prometheus-text.ts'

export interface MetricsServer {
  /** The port bound (useful with port 0). */
  readonly port: number
  close(): Promise<void>
}

export interface MetricsServerOptions {
  readonly host: string
  /** 0: let the OS choose (see `port` on the result). */
  readonly port: number
  readonly render: () => string
  readonly logger: Logger
}

function answer(options: MetricsServerOptions, request: IncomingMessage, response: ServerResponse) {
  const path = (request.url ?? '').split('?')[0]
  if (path !== '/metrics') {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n')
    return
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end()
    return
  }
  let text: string
  try {
    text = options.render()
  } catch (error) {
    options.logger.error('metrics render failed', { error: String(error) })
    response.writeHead(500, { 'content-type': 'text/plain' }).end('render failed\n')
    return
  }
  response.writeHead(200, { 'content-type': prometheusContentType, 'cache-control': 'no-store' })
  response.end(request.method === 'HEAD' ? undefined : text)
}

export function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer(
    {
      maxHeaderSize: limits.gatewayHeaderBytesMax,
      headersTimeout: limits.gatewayHeadersTimeoutMs,
      requestTimeout: limits.gatewayRequestTimeoutMs,
    },
    (request, response) => answer(options, request, response),
  )
  server.maxConnections = limits.metricsServerConnectionsMax
  server.keepAliveTimeout = limits.gatewayKeepAliveTimeoutMs
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : options.port
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}
