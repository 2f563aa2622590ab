/**
 * Tables: `PUT /v1/tables/{table}` with `{ttlSeconds?, maxVersions?, valueBytesMax?}` -> 201
 * (409 if it exists); `GET /v1/tables` (only the tables the key may read);
 * `GET /v1/tables/{table}`; `DELETE /v1/tables/{table}` -> 204. Creating and dropping need the
 * admin scope on the table, reading its description the read scope.
 */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { ShoalError } from '../../shared/errors.ts'
import type { GatewayBackend, TableInfo } from '../backend/gateway-backend.ts'
import { isAllowed, requireScope } from '../middleware/auth.ts'
import type { EdgeEnv, EdgeLimits } from '../middleware/edge-env.ts'
import { ttlSecondsMax } from './items.ts'
import { parseJsonBody, parseQuery, tableParam } from './request-parsing.ts'

export const tablesPath = '/v1/tables'
export const tablePath = '/v1/tables/:table'

/** HBase's default: one version kept unless the table asks for history. */
export const maxVersionsDefault = 1
/** The RPC TableSettings bound. */
const maxVersionsMax = 1000

export interface TableRouteDeps {
  readonly backend: GatewayBackend
  readonly limits: EdgeLimits
}

function createBody(limits: EdgeLimits) {
  return z.strictObject({
    ttlSeconds: z.number().int().min(1).max(ttlSecondsMax).nullable().optional(),
    maxVersions: z.number().int().min(1).max(maxVersionsMax).optional(),
    valueBytesMax: z.number().int().min(1).max(limits.valueBytesMax).optional(),
  })
}

const noQuery = z.strictObject({})

export function tableJson(table: TableInfo): Record<string, unknown> {
  return {
    name: table.name,
    ttlSeconds: table.ttlSeconds,
    maxVersions: table.maxVersions,
    valueBytesMax: table.valueBytesMax,
    createdAtMs: table.createdAtMs,
    id: table.id,
  }
}

export function registerTableRoutes(app: Hono<EdgeEnv>, deps: TableRouteDeps): void {
  const body = createBody(deps.limits)
  app.get(tablesPath, (c) => listTables(c, deps))
  app.put(tablePath, (c) => createTable(c, deps, body))
  app.get(tablePath, (c) => describeTable(c, deps))
  app.delete(tablePath, (c) => dropTable(c, deps))
}

async function listTables(c: Context<EdgeEnv>, deps: TableRouteDeps): Promise<Response> {
  parseQuery(c, noQuery)
  const tables = await deps.backend.listTables(c.get('deadline'))
  const principal = c.get('principal')
  const visible = tables.filter((table) => isAllowed(principal, table.name, 'read'))
  return c.json({ tables: visible.map(tableJson) })
}

async function createTable(
  c: Context<EdgeEnv>,
  deps: TableRouteDeps,
  schema: ReturnType<typeof createBody>,
): Promise<Response> {
  const name = tableParam(c, deps.limits)
  parseQuery(c, noQuery)
  const settings = parseJsonBody(c, schema)
  requireScope(c, name, 'admin')
  const result = await deps.backend.createTable(
    name,
    {
      ttlSeconds: settings.ttlSeconds ?? null,
      maxVersions: settings.maxVersions ?? maxVersionsDefault,
      valueBytesMax: settings.valueBytesMax ?? deps.limits.valueBytesMax,
    },
    c.get('deadline'),
  )
  if (result.kind === 'exists') throw new ShoalError('conflict', 'the table already exists')
  return c.json(tableJson(result.table), 201)
}

async function describeTable(c: Context<EdgeEnv>, deps: TableRouteDeps): Promise<Response> {
  const name = tableParam(c, deps.limits)
  parseQuery(c, noQuery)
  requireScope(c, name, 'read')
  const result = await deps.backend.describeTable(name, c.get('deadline'))
  if (result.kind === 'not-found') throw new ShoalError('not-found', 'the table does not exist')
  return c.json(tableJson(result.table))
}

async function dropTable(c: Context<EdgeEnv>, deps: TableRouteDeps): Promise<Response> {
  const name = tableParam(c, deps.limits)
  parseQuery(c, noQuery)
  requireScope(c, name, 'admin')
  const result = await deps.backend.dropTable(name, c.get('deadline'))
  if (result.kind === 'not-found') throw new ShoalError('not-found', 'the table does not exist')
  return new Response(null, { status: 204 })
}
