/**
 * The OpenAPI 3.1 document of REST API v1, served at /openapi.json. Hand-written from small
 * builders (there is no @hono/zod-openapi here); openapi.test.ts checks that every route the
 * app registers is described, with its path parameters, so the two cannot drift silently.
 */
import type { EdgeLimits } from './middleware/edge-env.ts'

type Json = Record<string, unknown>

const problemRef = { $ref: '#/components/schemas/Problem' }

function problem(description: string, retryAfter = false): Json {
  return {
    description,
    ...(retryAfter
      ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } } }
      : {}),
    content: { 'application/problem+json': { schema: problemRef } },
  }
}

/** Errors any /v1 route may answer. */
const commonErrors: Json = {
  '400': problem('Bad key, parameter, header or body'),
  '401': problem('No or unknown API key'),
  '403': problem('The API key lacks the scope on this table'),
  '413': problem('Key, value or body over its limit'),
  '429': problem('Rate limited', true),
  '503': problem('Shard unavailable or overloaded', true),
  '504': problem('Request deadline exceeded'),
}

function json(description: string, schema: Json): Json {
  return { description, content: { 'application/json': { schema } } }
}

function pathParam(name: string, description: string): Json {
  return { name, in: 'path', required: true, description, schema: { type: 'string' } }
}

function query(name: string, schema: Json, description: string): Json {
  return { name, in: 'query', required: false, description, schema }
}

function header(name: string, description: string): Json {
  return { name, in: 'header', required: false, description, schema: { type: 'string' } }
}

const int = { type: 'integer', minimum: 0 }
const consistency = query(
  'consistency',
  { type: 'string', enum: ['strong', 'eventual'] },
  'strong (default): linearizable; eventual: may be stale by maxStalenessMs',
)
const durability = query(
  'durability',
  { type: 'string', enum: ['majority', 'fast'] },
  'majority (default) or fast (acknowledged before fsync)',
)
const timeoutHeader = header('X-Shoal-Timeout-Ms', 'request deadline in ms (default 5000)')
const tableParam = pathParam('table', 'table name: letters, digits, - and _')

const itemSchema: Json = {
  type: 'object',
  properties: {
    value: { type: 'string', contentEncoding: 'base64' },
    contentType: { type: 'string' },
    version: int,
    timestamp: int,
    expiresAtMs: { type: ['integer', 'null'] },
  },
}

const tableSchema: Json = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    ttlSeconds: { type: ['integer', 'null'] },
    maxVersions: int,
    valueBytesMax: int,
    createdAtMs: int,
    id: int,
  },
}

function itemOperations(keyParams: Json[]): Json {
  const params = [tableParam, ...keyParams, timeoutHeader]
  return {
    get: {
      summary: 'Read an item',
      parameters: [
        ...params,
        consistency,
        query('maxStalenessMs', int, 'eventual reads only'),
        query('asOf', int, 'newest version with timestamp <= asOf'),
        header('If-None-Match', 'ETag list or *; 304 when it matches'),
      ],
      responses: {
        '200': {
          description: 'The value bytes with their stored Content-Type',
          headers: {
            ETag: { schema: { type: 'string' } },
            'X-Shoal-Timestamp': { schema: int },
            'X-Shoal-Coalesced': { schema: { enum: ['leader', 'follower', 'cache'] } },
            'X-Shoal-Fan-In': { schema: int },
          },
          content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
        },
        '304': { description: 'Not modified' },
        '404': problem('No such table or item'),
        ...commonErrors,
      },
    },
    put: {
      summary: 'Write an item (the body is the value)',
      parameters: [
        ...params,
        query('ttl', int, 'seconds'),
        query('timestamp', int, "caller's event time in ms"),
        durability,
        header('If-Match', '"<version>": compare-and-set'),
        header('If-None-Match', '*: create only'),
      ],
      requestBody: { content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
      responses: {
        '200': json('Replaced', { $ref: '#/components/schemas/WriteAck' }),
        '201': json('Created', { $ref: '#/components/schemas/WriteAck' }),
        '404': problem('No such table'),
        '412': problem('The precondition failed'),
        ...commonErrors,
      },
    },
    delete: {
      summary: 'Delete an item (writes a tombstone)',
      parameters: [
        ...params,
        query('timestamp', int, "caller's event time in ms"),
        durability,
        header('If-Match', '"<version>": delete only that version'),
      ],
      responses: {
        '204': { description: 'Deleted' },
        '404': problem('No such table'),
        '412': problem('The precondition failed'),
        ...commonErrors,
      },
    },
  }
}

function versionsOperation(keyParams: Json[]): Json {
  return {
    get: {
      summary: 'Kept versions of an item, newest first',
      parameters: [
        tableParam,
        ...keyParams,
        timeoutHeader,
        query('limit', int, 'at most this many'),
        query('from', int, 'timestamp lower bound, inclusive'),
        query('to', int, 'timestamp upper bound, inclusive'),
        consistency,
      ],
      responses: {
        '200': json('Versions', {
          type: 'object',
          properties: { versions: { type: 'array', items: itemSchema } },
        }),
        '404': problem('No such table'),
        ...commonErrors,
      },
    },
  }
}

const keyParam = pathParam('key', 'percent-encoded UTF-8 key')
const pkParam = pathParam('pk', 'percent-encoded UTF-8 partition key')
const skParam = pathParam('sk', 'percent-encoded UTF-8 sort key')

function tablePaths(limits: EdgeLimits): Json {
  return {
    '/v1/tables': {
      get: {
        summary: 'Tables the API key may read',
        parameters: [timeoutHeader],
        responses: {
          '200': json('Tables', {
            type: 'object',
            properties: { tables: { type: 'array', items: tableSchema } },
          }),
          ...commonErrors,
        },
      },
    },
    '/v1/tables/{table}': {
      put: {
        summary: 'Create a table',
        parameters: [tableParam, timeoutHeader],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  ttlSeconds: { type: ['integer', 'null'], minimum: 1 },
                  maxVersions: { type: 'integer', minimum: 1, maximum: 1000 },
                  valueBytesMax: { type: 'integer', minimum: 1, maximum: limits.valueBytesMax },
                },
              },
            },
          },
        },
        responses: {
          '201': json('Created', tableSchema),
          '409': problem('The table exists'),
          ...commonErrors,
        },
      },
      get: {
        summary: 'Describe a table',
        parameters: [tableParam, timeoutHeader],
        responses: {
          '200': json('The table', tableSchema),
          '404': problem('No such table'),
          ...commonErrors,
        },
      },
      delete: {
        summary: 'Drop a table',
        parameters: [tableParam, timeoutHeader],
        responses: {
          '204': { description: 'Dropped' },
          '404': problem('No such table'),
          ...commonErrors,
        },
      },
    },
  }
}

function scanAndBatchPaths(limits: EdgeLimits): Json {
  const text = { type: 'string' }
  return {
    '/v1/tables/{table}/partitions/{pk}/items': {
      get: {
        summary: 'Scan one partition in sort-key order',
        parameters: [
          tableParam,
          pkParam,
          timeoutHeader,
          query('prefix', text, 'sort-key prefix'),
          query('start', text, 'inclusive lower bound'),
          query('end', text, 'exclusive upper bound'),
          query('limit', { ...int, maximum: limits.scanLimitMax }, 'page size'),
          query('reverse', { type: 'string', enum: ['true', 'false'] }, 'descending order'),
          query('cursor', text, 'opaque, from the previous page'),
          consistency,
        ],
        responses: {
          '200': json('One page', {
            type: 'object',
            properties: {
              items: { type: 'array', items: itemSchema },
              cursor: { type: ['string', 'null'] },
            },
          }),
          '404': problem('No such table'),
          ...commonErrors,
        },
      },
    },
    '/v1/tables/{table}/multi-get': {
      post: {
        summary: 'Read many keys of one table',
        parameters: [tableParam, timeoutHeader],
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['keys'],
                properties: {
                  keys: { type: 'array', maxItems: limits.multiGetKeysMax },
                  consistency: { enum: ['strong', 'eventual'] },
                },
              },
            },
          },
        },
        responses: {
          '200': json('Items in request order', {
            type: 'object',
            properties: { items: { type: 'array', items: itemSchema } },
          }),
          '404': problem('No such table'),
          ...commonErrors,
        },
      },
    },
  }
}

const rate = { type: 'number', minimum: 0 }
const hotKeysSchema: Json = {
  type: 'object',
  properties: {
    windowMs: int,
    keys: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          table: { type: 'string' },
          key: { type: 'string' },
          count: rate,
          ratePerSec: rate,
          readsPerSec: rate,
          writesPerSec: rate,
          errorPerSec: { ...rate, description: 'the true rate is within ratePerSec +- this' },
          share: { type: 'number', minimum: 0, maximum: 1 },
          hot: { type: 'boolean' },
          firstHotAtMs: { type: ['integer', 'null'] },
        },
      },
    },
  },
}

function opsPaths(): Json {
  return {
    '/v1/hotkeys': {
      get: {
        summary: 'Hot keys with estimated rate and error bound',
        parameters: [
          query('window', { type: 'string', pattern: '^[0-9]+(ms|s|m)$' }, 'e.g. 10s'),
          query('limit', int, 'at most this many keys'),
        ],
        responses: { '200': json('Hot keys', hotKeysSchema), ...commonErrors },
      },
    },
    '/v1/cluster': {
      get: {
        summary: 'Nodes, shards, leaders and health (admin on *)',
        parameters: [timeoutHeader],
        responses: { '200': json('Cluster status', { type: 'object' }), ...commonErrors },
      },
    },
    '/healthz': {
      get: { summary: 'Liveness', responses: { '200': json('Alive', { type: 'object' }) } },
    },
    '/readyz': {
      get: {
        summary: 'Readiness',
        responses: {
          '200': json('Ready', { type: 'object' }),
          '503': problem('Not ready', true),
        },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document', responses: { '200': json('OpenAPI', { type: 'object' }) } },
    },
  }
}

export function openApiDocument(limits: EdgeLimits): Json {
  return {
    openapi: '3.1.0',
    info: { title: 'Shoal gateway', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
          },
        },
        WriteAck: {
          type: 'object',
          required: ['version', 'timestamp'],
          properties: { version: int, timestamp: int },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      ...tablePaths(limits),
      '/v1/tables/{table}/keys/{key}': itemOperations([keyParam]),
      '/v1/tables/{table}/keys/{key}/versions': versionsOperation([keyParam]),
      '/v1/tables/{table}/partitions/{pk}/items/{sk}': itemOperations([pkParam, skParam]),
      '/v1/tables/{table}/partitions/{pk}/items/{sk}/versions': versionsOperation([
        pkParam,
        skParam,
      ]),
      ...scanAndBatchPaths(limits),
      ...opsPaths(),
    },
  }
}
