/**
 * One item: GET/PUT/DELETE on `/v1/tables/{table}/keys/{key}` (partition `{key}`, empty sort
 * key) and `/v1/tables/{table}/partitions/{pk}/items/{sk}`, with the same semantics.
 *
 * - PUT stores the body as given with its Content-Type; `If-Match: "<v>"` is a CAS and
 *   `If-None-Match: *` creates only. 201 created / 200 replaced, ETag, `{version, timestamp}`.
 * - GET returns the value bytes with Content-Type, ETag, X-Shoal-Timestamp and, when the
 *   backend coalesced the read, X-Shoal-Coalesced and X-Shoal-Fan-In; 304 on a matching
 *   If-None-Match.
 * - DELETE writes a tombstone (optional If-Match) and answers 204.
 */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { ShoalError } from '../../shared/errors.ts'
import type {
  CoalescingInfo,
  GatewayBackend,
  ItemRef,
  WriteResult,
} from '../backend/gateway-backend.ts'
import { problemResponse } from '../http-errors.ts'
import { requireScope } from '../middleware/auth.ts'
import type { EdgeEnv, EdgeLimits } from '../middleware/edge-env.ts'
import {
  boundedInteger,
  consistencyText,
  etagOf,
  ifNoneMatchHits,
  integerText,
  keyParam,
  parseQuery,
  tableParam,
  writeCondition,
} from './request-parsing.ts'

export interface ItemRouteDeps {
  readonly backend: GatewayBackend
  readonly limits: EdgeLimits
}

export const plainKeyPath = '/v1/tables/:table/keys/:key'
export const sortKeyPath = '/v1/tables/:table/partitions/:pk/items/:sk'

/** Staleness bound callers may ask for; beyond an hour "eventual" means "any". */
export const maxStalenessMsMax = 3_600_000
/** Ten years: longer item TTLs are a mistake, not a retention policy. */
export const ttlSecondsMax = 10 * 365 * 24 * 3600

const getQuery = z.strictObject({
  consistency: consistencyText.optional(),
  maxStalenessMs: boundedInteger(0, maxStalenessMsMax).optional(),
  asOf: integerText.optional(),
})

const durabilityText = z.enum(['majority', 'fast'])

const putQuery = z.strictObject({
  ttl: boundedInteger(1, ttlSecondsMax).optional(),
  timestamp: integerText.optional(),
  durability: durabilityText.optional(),
})

const deleteQuery = z.strictObject({
  timestamp: integerText.optional(),
  durability: durabilityText.optional(),
})

export type ItemRefOf = (c: Context<EdgeEnv>) => ItemRef

export function plainKeyRef(limits: EdgeLimits): ItemRefOf {
  return (c) => ({
    table: tableParam(c, limits),
    partitionKey: keyParam(c, 5, 'key', limits.partitionKeyBytesMax),
    sortKey: new Uint8Array(0),
  })
}

export function sortKeyRef(limits: EdgeLimits): ItemRefOf {
  return (c) => ({
    table: tableParam(c, limits),
    partitionKey: keyParam(c, 5, 'partition key', limits.partitionKeyBytesMax),
    sortKey: keyParam(c, 7, 'sort key', limits.sortKeyBytesMax),
  })
}

export function registerItemRoutes(app: Hono<EdgeEnv>, deps: ItemRouteDeps): void {
  const routes: Array<[string, ItemRefOf]> = [
    [plainKeyPath, plainKeyRef(deps.limits)],
    [sortKeyPath, sortKeyRef(deps.limits)],
  ]
  for (const [path, refOf] of routes) {
    app.get(path, (c) => getItem(c, deps, refOf(c)))
    app.put(path, (c) => putItem(c, deps, refOf(c)))
    app.delete(path, (c) => deleteItem(c, deps, refOf(c)))
  }
}

export function tableMissing(): ShoalError {
  return new ShoalError('not-found', 'the table does not exist')
}

function coalescingHeaders(headers: Headers, coalescing: CoalescingInfo | undefined): void {
  if (coalescing === undefined) return
  headers.set('x-shoal-coalesced', coalescing.role)
  headers.set('x-shoal-fan-in', String(coalescing.fanIn))
}

async function getItem(c: Context<EdgeEnv>, deps: ItemRouteDeps, ref: ItemRef): Promise<Response> {
  const query = parseQuery(c, getQuery)
  const consistency = query.consistency ?? 'strong'
  if (query.maxStalenessMs !== undefined && consistency !== 'eventual') {
    throw new ShoalError('bad-request', 'maxStalenessMs applies only to consistency=eventual')
  }
  requireScope(c, ref.table, 'read')
  const result = await deps.backend.get(
    {
      ...ref,
      consistency,
      ...(query.maxStalenessMs === undefined ? {} : { maxStalenessMs: query.maxStalenessMs }),
      ...(query.asOf === undefined ? {} : { asOf: query.asOf }),
    },
    c.get('deadline'),
  )
  if (result.kind === 'table-not-found') throw tableMissing()
  if (result.kind === 'not-found') {
    const response = problemResponse(new ShoalError('not-found', 'no item at this key'))
    coalescingHeaders(response.headers, result.coalescing)
    return response
  }
  const item = result.item
  const headers = new Headers({
    etag: etagOf(item.version),
    'x-shoal-timestamp': String(item.timestamp),
  })
  coalescingHeaders(headers, result.coalescing)
  if (ifNoneMatchHits(c.req.header('if-none-match'), item.version)) {
    return new Response(null, { status: 304, headers })
  }
  headers.set('content-type', item.contentType)
  if (item.expiresAtMs !== null) headers.set('x-shoal-expires-at-ms', String(item.expiresAtMs))
  return new Response(item.value, { status: 200, headers })
}

function contentTypeOf(c: Context<EdgeEnv>, limits: EdgeLimits): string {
  const contentType = c.req.header('content-type') ?? 'application/octet-stream'
  if (contentType.length > limits.contentTypeBytesMax) {
    throw new ShoalError(
      'bad-request',
      `Content-Type is over ${limits.contentTypeBytesMax} characters`,
    )
  }
  if (!/^[\x20-\x7e]*$/.test(contentType)) {
    throw new ShoalError('bad-request', 'Content-Type must be printable ASCII')
  }
  return contentType
}

/** Turns a write's outcome variants other than `ok` into errors. */
function writeOk(result: WriteResult): Extract<WriteResult, { kind: 'ok' }> {
  if (result.kind === 'table-not-found') throw tableMissing()
  if (result.kind === 'precondition-failed') {
    const current =
      result.currentVersion === null
        ? 'no item exists'
        : `the current version is ${etagOf(result.currentVersion)}`
    throw new ShoalError('version-mismatch', `the precondition failed: ${current}`)
  }
  return result
}

async function putItem(c: Context<EdgeEnv>, deps: ItemRouteDeps, ref: ItemRef): Promise<Response> {
  const query = parseQuery(c, putQuery)
  const condition = writeCondition(c)
  const contentType = contentTypeOf(c, deps.limits)
  requireScope(c, ref.table, 'write')
  const result = await deps.backend.put(
    {
      ...ref,
      value: c.get('body'),
      contentType,
      durability: query.durability ?? 'majority',
      ...(query.timestamp === undefined ? {} : { timestamp: query.timestamp }),
      ...(query.ttl === undefined ? {} : { ttlSeconds: query.ttl }),
      ...(condition === undefined ? {} : { condition }),
    },
    c.get('deadline'),
  )
  const ok = writeOk(result)
  c.header('etag', etagOf(ok.version))
  return c.json({ version: ok.version, timestamp: ok.timestamp }, ok.created ? 201 : 200)
}

async function deleteItem(
  c: Context<EdgeEnv>,
  deps: ItemRouteDeps,
  ref: ItemRef,
): Promise<Response> {
  const query = parseQuery(c, deleteQuery)
  const condition = writeCondition(c)
  requireScope(c, ref.table, 'write')
  const result = await deps.backend.delete(
    {
      ...ref,
      durability: query.durability ?? 'majority',
      ...(query.timestamp === undefined ? {} : { timestamp: query.timestamp }),
      ...(condition === undefined ? {} : { condition }),
    },
    c.get('deadline'),
  )
  writeOk(result)
  return new Response(null, { status: 204 })
}
