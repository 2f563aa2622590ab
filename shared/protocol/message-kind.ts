/**
 * Frame kinds of the RPC protocol (the `kind` byte of shared/protocol/frame.ts).
 *
 * Part of the wire format; append only. Never renumber or reuse a code: a peer running an older
 * build must either understand a frame or refuse it as an unknown kind, never misread it.
 *
 * Body of each kind (msgpack, shared/protocol/body-codec.ts; shapes in envelope.ts):
 *   hello     client -> server, first frame on a connection: Hello
 *   welcome   server -> client, the handshake is accepted: Hello (the server's)
 *   request   [method: string, params: unknown]; answered by response or error, same requestId
 *   response  the handler's result (unknown to the caller until it validates it)
 *   error     { code: ErrorCode, message: string }; requestId 0 = the whole connection is
 *             refused (bad frame, handshake mismatch) and the sender closes it
 *   message   one-way [method: string, params: unknown]; never answered (raft traffic)
 */
import { assertNever } from '../assert.ts'

export const FrameKind = {
  hello: 1,
  welcome: 2,
  request: 3,
  response: 4,
  error: 5,
  message: 6,
} as const

export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

const frameKinds: ReadonlySet<number> = new Set<number>(Object.values(FrameKind))

export function isFrameKind(value: number): value is FrameKind {
  return frameKinds.has(value)
}

export function frameKindName(kind: FrameKind): keyof typeof FrameKind {
  switch (kind) {
    case FrameKind.hello:
      return 'hello'
    case FrameKind.welcome:
      return 'welcome'
    case FrameKind.request:
      return 'request'
    case FrameKind.response:
      return 'response'
    case FrameKind.error:
      return 'error'
    case FrameKind.message:
      return 'message'
    default:
      return assertNever(kind, 'unknown frame kind')
  }
}
