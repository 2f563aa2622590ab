/**
 * The contract between the RPC server and the code that serves methods (storage/node handlers).
 *
 * One handler serves every method: it switches on `method` (shared/api names) and validates
 * `params`, which arrive as `unknown` (R14). It answers with a value to encode, or throws a
 * ShoalError whose code and message travel to the caller; any other thrown value is sent as
 * `internal` and reported to the server's onInternalError (a storage node crashes there on an
 * AssertionError, R5). Expected outcomes such as not-found are return values, not throws.
 */

export interface RpcContext {
  /**
   * When the caller gives up, in ms on this process's Clock.monotonicMs(): the budget carried
   * in the frame added to the time the frame was read. Infinity for one-way messages.
   */
  readonly deadlineMs: number
  /** Aborted at the deadline, when the connection closes or when the server shuts down. */
  readonly signal: AbortSignal
  /** The node id the caller gave in its hello. */
  readonly peerNodeId: string
  /** True for a one-way message: the result is dropped and errors are only logged. */
  readonly oneWay: boolean
}

export type RpcHandler = (method: string, params: unknown, context: RpcContext) => Promise<unknown>
