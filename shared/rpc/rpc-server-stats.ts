/** Counters of an RpcServer (R18): monotonically increasing, read by metrics. */
export interface RpcServerStats {
  connectionsAccepted: number
  /** Connections closed by us for a bad frame, a failed handshake or a handshake timeout. */
  connectionsRefused: number
  requests: number
  messages: number
  /** Requests dropped unanswered because their deadline passed before their turn. */
  requestsExpired: number
  /** Answers dropped because the handler finished after the deadline. */
  responsesLate: number
  errorsSent: number
  /** Handlers that threw something other than a ShoalError. */
  handlerFailures: number
  /** Times a connection stopped reading its socket (in-flight limit or a full write side). */
  pauses: number
}

export function newRpcServerStats(): RpcServerStats {
  return {
    connectionsAccepted: 0,
    connectionsRefused: 0,
    requests: 0,
    messages: 0,
    requestsExpired: 0,
    responsesLate: 0,
    errorsSent: 0,
    handlerFailures: 0,
    pauses: 0,
  }
}
