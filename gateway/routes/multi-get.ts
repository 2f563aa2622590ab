/**
 * `POST /v1/tables/{table}/multi-get` with `{keys: [...], consistency?}`. A key is a string
 * (a plain key: partition key with an empty sort key) or `{partitionKey, sortKey}`. The answer
 * keeps the request's order: `{items: [{key, found, value (base64), contentType, version,
 * timestamp}]}`, with only `key` and `found: false` for an absent item.
 */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import type { GatewayBackend } from '../backend/gateway-backend.ts'
import { requireScope } from '../middleware/auth.ts'
import type { EdgeEnv, EdgeLimits } from '../middleware/edge-env.ts'
import { itemJson } from './item-json.ts'
import { tableMissing } from './items.ts'
import { consistencyText, keyBytes, parseJsonBody, tableParam } from './request-parsing.ts'

export const multiGetPath = '/v1/tables/:table/multi-get'

export interface MultiGetRouteDeps {
  readonly backend: GatewayBackend
  readonly limits: EdgeLimits
}

function multiGetBody(limits: EdgeLimits) {
  const key = z.union([
    z.string(),
    z.strictObject({ partitionKey: z.string(), sortKey: z.string() }),
  ])
  return z.strictObject({
    keys: z.array(key).min(1).max(limits.multiGetKeysMax),
    consistency: consistencyText.optional(),
  })
}

export function registerMultiGetRoute(app: Hono<EdgeEnv>, deps: MultiGetRouteDeps): void {
  const schema = multiGetBody(deps.limits)
  app.post(multiGetPath, (c) => multiGet(c, deps, schema))
}

async function multiGet(
  c: Context<EdgeEnv>,
  deps: MultiGetRouteDeps,
  schema: ReturnType<typeof multiGetBody>,
): Promise<Response> {
  const table = tableParam(c, deps.limits)
  const body = parseJsonBody(c, schema)
  const keys = body.keys.map((key) =>
    typeof key === 'string'
      ? {
          partitionKey: keyBytes(key, 'key', deps.limits.partitionKeyBytesMax),
          sortKey: new Uint8Array(0),
        }
      : {
          partitionKey: keyBytes(
            key.partitionKey,
            'partition key',
            deps.limits.partitionKeyBytesMax,
          ),
          sortKey:
            key.sortKey === ''
              ? new Uint8Array(0)
              : keyBytes(key.sortKey, 'sort key', deps.limits.sortKeyBytesMax),
        },
  )
  requireScope(c, table, 'read')
  const result = await deps.backend.multiGet(
    { table, keys, consistency: body.consistency ?? 'strong' },
    c.get('deadline'),
  )
  if (result.kind === 'table-not-found') throw tableMissing()
  const items = body.keys.map((key, i) => {
    const item = result.items[i]
    return item === null || item === undefined
      ? { key, found: false }
      : { key, found: true, ...itemJson(item) }
  })
  return c.json({ items })
}
