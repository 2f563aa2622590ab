/**
 * Operations routes: `GET /v1/cluster` (nodes, shards, leaders, health; operators only: the
 * admin scope on `*`, because it names internal addresses), `GET /healthz` (the process
 * answers), `GET /readyz` (the backend can serve: 200, else 503 with the reasons) and
 * `GET /openapi.json`. Only /v1/* is behind auth.
 */
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { ShoalError } from '../../shared/errors.ts'
import type { GatewayBackend } from '../backend/gateway-backend.ts'
import { problemResponse } from '../http-errors.ts'
import { requireScope } from '../middleware/auth.ts'
import type { EdgeEnv } from '../middleware/edge-env.ts'
import { parseQuery } from './request-parsing.ts'

export const clusterPath = '/v1/cluster'
export const healthzPath = '/healthz'
export const readyzPath = '/readyz'
export const openApiPath = '/openapi.json'

export interface OpsRouteDeps {
  readonly backend: GatewayBackend
  readonly openApiDocument: unknown
}

const noQuery = z.strictObject({})

export function registerOpsRoutes(app: Hono<EdgeEnv>, deps: OpsRouteDeps): void {
  const documentText = JSON.stringify(deps.openApiDocument)
  app.get(clusterPath, async (c: Context<EdgeEnv>) => {
    parseQuery(c, noQuery)
    requireScope(c, '*', 'admin')
    return c.json(await deps.backend.clusterStatus(c.get('deadline')))
  })
  app.get(healthzPath, (c) => c.json({ status: 'ok' }))
  app.get(readyzPath, (c) => {
    const readiness = deps.backend.readiness()
    if (readiness.ready) return c.json({ status: 'ready' })
    const reasons = readiness.reasons.slice(0, 10).join('; ')
    return problemResponse(new ShoalError('unavailable', `not ready: ${reasons}`))
  })
  app.get(openApiPath, (c) => c.body(documentText, 200, { 'content-type': 'application/json' }))
}
