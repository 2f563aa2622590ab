/**
 * `GET /v1/tables/{table}/keys/{key}/versions?limit=&from=&to=` (and the same under
 * `/partitions/{pk}/items/{sk}/versions`): the kept, unexpired versions, newest first. `from`
 * and `to` bound the timestamp, inclusive. A tombstone appears as `{deleted: true}`.
 */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { ShoalError } from '../../shared/errors.ts'
import type { GatewayBackend } from '../backend/gateway-backend.ts'
import { requireScope } from '../middleware/auth.ts'
import type { EdgeEnv, EdgeLimits } from '../middleware/edge-env.ts'
import { itemJson } from './item-json.ts'
import { plainKeyRef, sortKeyRef, tableMissing, type ItemRefOf } from './items.ts'
import { boundedInteger, consistencyText, integerText, parseQuery } from './request-parsing.ts'

export const plainVersionsPath = '/v1/tables/:table/keys/:key/versions'
export const sortVersionsPath = '/v1/tables/:table/partitions/:pk/items/:sk/versions'

export interface VersionsRouteDeps {
  readonly backend: GatewayBackend
  readonly limits: EdgeLimits
}

function versionsQuery(limits: EdgeLimits) {
  return z.strictObject({
    limit: boundedInteger(1, limits.versionsLimitMax).optional(),
    from: integerText.optional(),
    to: integerText.optional(),
    consistency: consistencyText.optional(),
  })
}

export function registerVersionsRoutes(app: Hono<EdgeEnv>, deps: VersionsRouteDeps): void {
  const schema = versionsQuery(deps.limits)
  app.get(plainVersionsPath, (c) => versions(c, deps, schema, plainKeyRef(deps.limits)))
  app.get(sortVersionsPath, (c) => versions(c, deps, schema, sortKeyRef(deps.limits)))
}

async function versions(
  c: Context<EdgeEnv>,
  deps: VersionsRouteDeps,
  schema: ReturnType<typeof versionsQuery>,
  refOf: ItemRefOf,
): Promise<Response> {
  const ref = refOf(c)
  const query = parseQuery(c, schema)
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
    throw new ShoalError('bad-request', 'from is after to')
  }
  requireScope(c, ref.table, 'read')
  const result = await deps.backend.versions(
    {
      ...ref,
      limit: query.limit ?? deps.limits.versionsLimitDefault,
      consistency: query.consistency ?? 'strong',
      ...(query.from === undefined ? {} : { fromTimestamp: query.from }),
      ...(query.to === undefined ? {} : { toTimestamp: query.to }),
    },
    c.get('deadline'),
  )
  if (result.kind === 'table-not-found') throw tableMissing()
  return c.json({
    versions: result.versions.map((entry) =>
      entry.item === null
        ? { version: entry.version, timestamp: entry.timestamp, deleted: true }
        : { deleted: false, ...itemJson(entry.item) },
    ),
  })
}
