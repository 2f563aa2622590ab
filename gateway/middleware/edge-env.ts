/**
 * The edge's typed Hono environment (context variables set by middleware, read by routes) and
 * the edge limits, each defaulting to its entry in shared/limits.ts and configurable per app.
 */
import { limits } from '../../shared/limits.ts'
import type { Principal } from './auth.ts'
import type { RequestDeadline } from './deadline.ts'

export interface EdgeVariables {
  /**
   * The request's deadline; its `signal` (made on first use) aborts at the deadline (reason:
   * ShoalError deadline-exceeded) or client close. Pass it as a backend call's options.
   */
  deadline: RequestDeadline
  /** The request body, read within its limit by the body-limit middleware. */
  body: Uint8Array
  /** The authenticated caller; null when auth is disabled (loopback only). */
  principal: Principal | null
}

export interface EdgeEnv {
  Variables: EdgeVariables
}

export interface EdgeLimits {
  readonly tableNameBytesMax: number
  readonly partitionKeyBytesMax: number
  readonly sortKeyBytesMax: number
  readonly valueBytesMax: number
  readonly jsonBodyBytesMax: number
  readonly contentTypeBytesMax: number
  readonly multiGetKeysMax: number
  readonly scanLimitMax: number
  readonly scanLimitDefault: number
  readonly versionsLimitMax: number
  readonly versionsLimitDefault: number
  readonly deadlineMsDefault: number
  readonly deadlineMsMax: number
  readonly hotKeysWindowMsMax: number
  readonly hotKeysLimitMax: number
}

export const defaultEdgeLimits: EdgeLimits = {
  tableNameBytesMax: limits.tableNameBytesMax,
  partitionKeyBytesMax: limits.partitionKeyBytesMax,
  sortKeyBytesMax: limits.sortKeyBytesMax,
  valueBytesMax: limits.gatewayValueBytesMax,
  jsonBodyBytesMax: limits.gatewayJsonBodyBytesMax,
  contentTypeBytesMax: limits.gatewayContentTypeBytesMax,
  multiGetKeysMax: limits.gatewayMultiGetKeysMax,
  scanLimitMax: limits.gatewayScanLimitMax,
  scanLimitDefault: limits.gatewayScanLimitDefault,
  versionsLimitMax: limits.gatewayVersionsLimitMax,
  versionsLimitDefault: limits.gatewayVersionsLimitDefault,
  deadlineMsDefault: limits.gatewayDeadlineMsDefault,
  deadlineMsMax: limits.gatewayDeadlineMsMax,
  hotKeysWindowMsMax: limits.gatewayHotKeysWindowMsMax,
  hotKeysLimitMax: limits.gatewayHotKeysLimitMax,
}
