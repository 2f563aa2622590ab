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
 */
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
    const stream = method === 'GET' || method === 'HEAD' ? null : c.req.raw.body
    const readLimit = bodyLimitPlantedBug.contentLengthOnly ? Number.MAX_SAFE_INTEGER : limitBytes
    c.set('body', stream === null ? emptyBody : await readWithin(stream, readLimit))
    await next()
  }
}

function tooLarge(limitBytes: number): ShoalError {
  return new ShoalError('too-large', `the request body is over the limit of ${limitBytes} bytes`)
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
      // Broken chunk framing or a client that hung up mid-body: the client's fault, not ours.
      throw new ShoalError('bad-request', `the request body could not be read: ${String(error)}`)
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
