/**
 * Edge validation shared by the routes: path segments, query strings, conditional headers and
 * JSON bodies. Every failure is a ShoalError('bad-request' | 'too-large') with a sentence that
 * names the input, so bad input can never reach a 500.
 *
 * Path parameters are decoded here from the raw URL, strictly: Hono's `param()` falls back to
 * the raw text on a malformed escape (`%E0%A4%A`), which would make two spellings name one
 * key. A key is percent-decoded UTF-8; its bytes are what the backend stores.
 */
import type { Context } from 'hono'
import { z } from 'zod'
import { ShoalError } from '../../shared/errors.ts'
import { utf8 } from '../../shared/codecs/bytes.ts'
import type { WriteCondition } from '../backend/gateway-backend.ts'
import type { EdgeEnv, EdgeLimits } from '../middleware/edge-env.ts'

export const tableNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]*$/

/** Parsed once per request: routes read the path segments and the query from it. */
const parsedUrls = new WeakMap<Request, URL>()

function requestUrl(c: Context<EdgeEnv>): URL {
  let url = parsedUrls.get(c.req.raw)
  if (url === undefined) {
    url = new URL(c.req.url)
    parsedUrls.set(c.req.raw, url)
  }
  return url
}

/** The raw (still percent-encoded) path segment at `index` (0 is the empty one before /v1). */
function rawSegment(c: Context<EdgeEnv>, index: number): string {
  const segment = requestUrl(c).pathname.split('/')[index]
  if (segment === undefined) throw new ShoalError('bad-request', 'the path is incomplete')
  return segment
}

function decodeSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new ShoalError('bad-request', `the ${what} is not valid percent-encoded UTF-8`)
  }
}

export function tableName(name: string, limits: EdgeLimits): string {
  if (name.length > limits.tableNameBytesMax) {
    throw new ShoalError(
      'bad-request',
      `a table name is at most ${limits.tableNameBytesMax} characters`,
    )
  }
  if (!tableNamePattern.test(name)) {
    throw new ShoalError(
      'bad-request',
      'a table name is letters, digits, "-" and "_", starting with a letter or digit',
    )
  }
  return name
}

export function tableParam(c: Context<EdgeEnv>, limits: EdgeLimits): string {
  return tableName(decodeSegment(rawSegment(c, 3), 'table name'), limits)
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export type KeyKind = 'key' | 'partition key' | 'sort key'

/** Validates a decoded key and returns its bytes. */
export function keyBytes(text: string, kind: KeyKind, bytesMax: number): Uint8Array {
  if (text.length === 0) throw new ShoalError('bad-request', `the ${kind} is empty`)
  if (text === '.' || text === '..') {
    throw new ShoalError('bad-request', `the ${kind} "${text}" cannot be addressed in a URL`)
  }
  const bytes = utf8(text)
  if (bytes.byteLength > bytesMax) {
    throw new ShoalError('too-large', `the ${kind} is over ${bytesMax} bytes`)
  }
  if (loneSurrogate.test(text)) {
    throw new ShoalError('bad-request', `the ${kind} is not well-formed Unicode`)
  }
  return bytes
}

export function keyParam(
  c: Context<EdgeEnv>,
  index: number,
  kind: KeyKind,
  bytesMax: number,
): Uint8Array {
  return keyBytes(decodeSegment(rawSegment(c, index), kind), kind, bytesMax)
}

/**
 * Parses the query string with a strict zod object of string fields: unknown or repeated
 * parameters are refused rather than ignored.
 */
export function parseQuery<T extends z.ZodType>(c: Context<EdgeEnv>, schema: T): z.infer<T> {
  const params = requestUrl(c).searchParams
  const query: Record<string, string> = {}
  for (const [name, value] of params) {
    if (Object.hasOwn(query, name)) {
      throw new ShoalError('bad-request', `query parameter "${clip(name)}" is repeated`)
    }
    query[name] = value
  }
  const parsed = schema.safeParse(query)
  if (!parsed.success) throw new ShoalError('bad-request', describeIssues(parsed.error))
  return parsed.data
}

/** Parses the body (already read within its limit) as UTF-8 JSON against a schema. */
export function parseJsonBody<T extends z.ZodType>(c: Context<EdgeEnv>, schema: T): z.infer<T> {
  const body = c.get('body')
  let value: unknown
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body)
    value = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    throw new ShoalError('bad-request', 'the body is not valid UTF-8 JSON')
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new ShoalError('bad-request', describeIssues(parsed.error))
  return parsed.data
}

export function describeIssues(error: z.ZodError): string {
  const first = error.issues[0]
  if (first === undefined) return 'the input is invalid'
  const where = first.path.length === 0 ? 'input' : first.path.map(String).join('.')
  return `${clip(where)}: ${clip(first.message)}`
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}...` : text
}

/** A decimal non-negative integer query value (no sign, no exponent, safe range). */
export const integerText = z
  .string()
  .regex(/^[0-9]{1,15}$/, 'must be a non-negative integer')
  .transform(Number)

export function boundedInteger(min: number, max: number): z.ZodType<number, string> {
  return integerText.pipe(z.number().int().min(min).max(max))
}

export const consistencyText = z.enum(['strong', 'eventual'])

/** `If-Match: "<version>"` and `If-None-Match: *` on writes; both together is refused. */
export function writeCondition(c: Context<EdgeEnv>): WriteCondition | undefined {
  const ifMatch = c.req.header('if-match')
  const ifNoneMatch = c.req.header('if-none-match')
  if (ifMatch !== undefined && ifNoneMatch !== undefined) {
    throw new ShoalError('bad-request', 'If-Match and If-None-Match together')
  }
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') {
      throw new ShoalError('bad-request', 'on a write, If-None-Match must be *')
    }
    return { kind: 'if-none-match' }
  }
  if (ifMatch === undefined) return undefined
  const version = /^\s*"([0-9]{1,15})"\s*$/.exec(ifMatch)?.[1]
  if (version === undefined) {
    throw new ShoalError('bad-request', 'If-Match must be one strong ETag: "<version>"')
  }
  return { kind: 'if-match', version: Number(version) }
}

/** Whether an If-None-Match header on a read matches the item's ETag. */
export function ifNoneMatchHits(header: string | undefined, version: number): boolean {
  if (header === undefined) return false
  if (header.trim() === '*') return true
  const etag = `"${version}"`
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

export function etagOf(version: number): string {
  return `"${version}"`
}
