/**
 * The ceiling of the gateway bench: a bare node:http server answering "hello" to everything,
 * run as its own process (`tsx loadtest/bench/hello-world-server.ts <port>`) exactly like the
 * gateway, so both pay the same process and loopback costs. Prints "listening" when ready.
 */
import { createServer } from 'node:http'

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  process.stderr.write(`usage: hello-world-server.ts <port>\n`)
  process.exit(2)
}
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' })
  response.end('hello')
})
server.keepAliveTimeout = 60_000
server.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'))
process.on('SIGTERM', () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
