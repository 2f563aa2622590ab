/**
 * `GET /v1/tables/{table}/partitions/{pk}/items?prefix=&start=&end=&limit=&reverse=&cursor=`:
 * one page of the partition's items in sort-key order (descending with reverse=true), and a
 * `cursor` for the next page, or null at the end. `start` is inclusive, `end` exclusive.
 */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { ShoalError } from '../../shared/errors.ts'
import { utf8 } from '../../shared/codecs/bytes.ts'
import type { GatewayBackend } from '../backend/gateway-backend.ts'
import { requireScope } from '../middleware/auth.ts'
import type { EdgeEnv, EdgeLimits } from '../middleware/edge-env.ts'
import { itemJson, keyText } from './item-json.ts'
import { tableMissing } from './items.ts'
import {
  boundedInteger,
  consistencyText,
  keyParam,
  parseQuery,
  tableParam,
} from './request-parsing.ts'
import { decodeScanCursor, encodeScanCursor } from './scan-cursor.ts'

export const scanPath = '/v1/tables/:table/partitions/:pk/items'

export interface ScanRouteDeps {
  readonly backend: GatewayBackend
  readonly limits: EdgeLimits
}

function scanQuery(limits: EdgeLimits) {
  const bound = z.string().max(limits.sortKeyBytesMax)
  return z.strictObject({
    prefix: bound.optional(),
    start: bound.optional(),
    end: bound.optional(),
    limit: boundedInteger(1, limits.scanLimitMax).optional(),
    reverse: z.enum(['true', 'false']).optional(),
    cursor: z
      .string()
      .max(4 * limits.sortKeyBytesMax)
      .optional(),
    consistency: consistencyText.optional(),
  })
}

function boundBytes(text: string | undefined, limits: EdgeLimits): Uint8Array | undefined {
  if (text === undefined) return undefined
  const bytes = utf8(text)
  if (bytes.byteLength > limits.sortKeyBytesMax) {
    throw new ShoalError('too-large', `a scan bound is over ${limits.sortKeyBytesMax} bytes`)
  }
  return bytes
}

export function registerScanRoute(app: Hono<EdgeEnv>, deps: ScanRouteDeps): void {
  const schema = scanQuery(deps.limits)
  app.get(scanPath, (c) => scan(c, deps, schema))
}

async function scan(
  c: Context<EdgeEnv>,
  deps: ScanRouteDeps,
  schema: ReturnType<typeof scanQuery>,
): Promise<Response> {
  const table = tableParam(c, deps.limits)
  const partitionKey = keyParam(c, 5, 'partition key', deps.limits.partitionKeyBytesMax)
  const query = parseQuery(c, schema)
  const reverse = query.reverse === 'true'
  const cursor = query.cursor === undefined ? undefined : decodeScanCursor(query.cursor)
  if (cursor !== undefined && cursor.reverse !== reverse) {
    throw new ShoalError('bad-request', 'the cursor belongs to a scan in the other direction')
  }
  const prefix = boundBytes(query.prefix, deps.limits)
  const start = boundBytes(query.start, deps.limits)
  const end = boundBytes(query.end, deps.limits)
  requireScope(c, table, 'read')
  const result = await deps.backend.scan(
    {
      table,
      partitionKey,
      limit: query.limit ?? deps.limits.scanLimitDefault,
      reverse,
      consistency: query.consistency ?? 'strong',
      ...(prefix === undefined ? {} : { prefix }),
      ...(start === undefined ? {} : { start }),
      ...(end === undefined ? {} : { end }),
      ...(cursor === undefined ? {} : { after: cursor.after }),
    },
    c.get('deadline'),
  )
  if (result.kind === 'table-not-found') throw tableMissing()
  const next =
    result.resumeAfter === null ? null : encodeScanCursor({ reverse, after: result.resumeAfter })
  return c.json({
    items: result.items.map(({ sortKey, item }) => ({
      sortKey: keyText(sortKey),
      ...itemJson(item),
    })),
    cursor: next,
  })
}
