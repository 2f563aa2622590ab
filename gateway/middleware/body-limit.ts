/**
 * Body limit, enforced on the bytes actually read (TESTING.md (e), Hono CVE-2025-59139 and
 * CVE-2026-44456): every request that has a body is read here, in full, before any route runs,
 * counting the bytes as they stream. Past the limit the stream is cancelled at once and the
 * answer is 413; the rest is never read. A declared Content-Length over the limit is refused
 * before reading; a lying smaller one cannot help, because the count is of bytes read. Routes
 * then use the `body` context variable and never touch the raw stream, so a route that ignores
 * its body cannot be used to bypass the limit.
 *
 * Content-Length together with Transfer-Encoding is a smuggling shape (RFC 9112 6.3): refused.
 *
 * Under @hono/node-server the bytes are read from Node's request itself (`c.env.incoming`),
 * with the same counting, refusal and errors: going through `c.req.raw.body` made node-server
 * build a full web Request, its AbortSignal and a web stream over the request per write, most
 * of the gateway's CPU for a PUT. Elsewhere (in-process `app.request`) the web stream is read.
 */
import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { concatBytes } from '../../shared/codecs/bytes.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { EdgeEnv } from './edge-env.ts'

const emptyBody = new Uint8Array(0)

/**
 * Test-only planted bug (TESTING.md (g)): `contentLengthOnly` checks the declared
 * Content-Length and reads any body without counting, the Hono advisory's bypass. The fuzz
 * suite (test/fuzz/) must catch it. Never set outside tests; off by default.
 */
export const bodyLimitPlantedBug = { contentLengthOnly: false }

export function bodyLimit(limitFor: (c: Context<EdgeEnv>) => number): MiddlewareHandler<EdgeEnv> {
  return async function bodyLimit(c, next) {
    const limitBytes = limitFor(c)
    const headers = c.req.raw.headers
    const contentLength = headers.get('content-length')
    if (contentLength !== null && headers.has('transfer-encoding')) {
      throw new ShoalError('bad-request', 'Content-Length and Transfer-Encoding together')
    }
    if (contentLength !== null) {
      if (!/^[0-9]{1,15}$/.test(contentLength)) {
        throw new ShoalError('bad-request', 'Content-Length is not a decimal number')
      }
      if (Number(contentLength) > limitBytes) throw tooLarge(limitBytes)
    }
    // GET and HEAD requests carry no body into the app (fetch forbids one; @hono/node-server
    // never attaches it, and Node discards it). Not touching `raw.body` there also spares
    // node-server building a full Request per read.
    const method = c.req.method
    const readLimit = bodyLimitPlantedBug.contentLengthOnly ? Number.MAX_SAFE_INTEGER : limitBytes
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
    if (method === 'GET' || method === 'HEAD') {
      c.set('body', emptyBody)
    } else if (incoming !== undefined) {
      c.set('body', await readIncomingWithin(incoming, readLimit))
    } else {
      const stream = c.req.raw.body
      c.set('body', stream === null ? emptyBody : await readWithin(stream, readLimit))
    }
    await next()
  }
}

function tooLarge(limitBytes: number): ShoalError {
  return new ShoalError('too-large', `the request body is over the limit of ${limitBytes} bytes`)
}

/** Why a body could not be read: the client's fault (broken framing, hung up), not ours. */
function unreadable(error: unknown): ShoalError {
  return new ShoalError('bad-request', `the request body could not be read: ${String(error)}`)
}

/**
 * Reads Node's request body up to limitBytes, as `readWithin` reads a web stream: past the
 * limit reading stops at once (the request is paused) and too-large is thrown, and what the
 * client still sends is node-server's to drain or cut off after the 413, as when a route left
 * its web stream unread; a request that errors or closes before its end is a bad request.
 */
export function readIncomingWithin(
  incoming: IncomingMessage,
  limitBytes: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let total = 0
    const finish = (error: ShoalError | null): void => {
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
      incoming.off('close', onClose)
      if (error !== null) return reject(error)
      resolve(
        chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : concatBytes(chunks, total),
      )
    }
    const onData = (chunk: Buffer): void => {
      total += chunk.byteLength
      if (total <= limitBytes) return void chunks.push(chunk)
      incoming.pause()
      finish(tooLarge(limitBytes))
    }
    const onEnd = (): void => finish(null)
    const onError = (error: Error): void => finish(unreadable(error))
    const onClose = (): void => finish(unreadable(new Error('the client closed the connection')))
    // Nothing reads the body before this middleware: an ended stream here is a bug (an internal
    // error, as reading a used web body is), never an empty body.
    if (incoming.readableEnded) return reject(new Error('the request body was read before'))
    if (incoming.destroyed) return reject(unreadable(new Error('the request was destroyed')))
    incoming.on('data', onData)
    incoming.on('end', onEnd)
    incoming.on('error', onError)
    incoming.on('close', onClose)
  })
}

/**
 * Reads a byte stream up to limitBytes; cancels it and throws too-large past that. A stream
 * that errors (malformed chunked framing, connection reset) is a bad request: found by the
 * socket fuzz suite, where it was counted as an internal error.
 */
export async function readWithin(
  stream: ReadableStream<Uint8Array>,
  limitBytes: number,
): Promise<Uint8Array> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read().catch((error: unknown) => {
      throw unreadable(error)
    })
    if (done) break
    total += value.byteLength
    if (total > limitBytes) {
      await reader.cancel().catch(() => {})
      throw tooLarge(limitBytes)
    }
    chunks.push(value)
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  return concatBytes(chunks, total)
}
