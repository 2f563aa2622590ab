/** Counters of an RpcClient (R18): monotonically increasing, read by metrics. */
export interface RpcClientStats {
  requests: number
  responses: number
  /** Requests answered with the peer's ShoalError. */
  remoteErrors: number
  deadlineExceeded: number
  aborted: number
  /** Requests failed because the connection was lost, refused or not up. */
  unavailable: number
  overloaded: number
  /** Answers that arrived after their request's deadline or abort. */
  answersLate: number
  messagesSent: number
  messagesDropped: number
  /** Connection attempts (the first and every reconnect). */
  connects: number
  connectionFailures: number
}

export function newRpcClientStats(): RpcClientStats {
  return {
    requests: 0,
    responses: 0,
    remoteErrors: 0,
    deadlineExceeded: 0,
    aborted: 0,
    unavailable: 0,
    overloaded: 0,
    answersLate: 0,
    messagesSent: 0,
    messagesDropped: 0,
    connects: 0,
    connectionFailures: 0,
  }
}
