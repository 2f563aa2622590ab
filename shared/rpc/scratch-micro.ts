import { BodyCodec } from '../protocol/body-codec.ts'
import { callBody, parseCall } from '../protocol/envelope.ts'
import { encodeFrame } from '../protocol/frame.ts'
import { FrameDecoder } from '../protocol/frame-decoder.ts'
import { FrameKind } from '../protocol/message-kind.ts'
const codec = new BodyCodec()
const params = {
  shard: 3,
  table: 'bench',
  partitionKey: new Uint8Array(16),
  value: new Uint8Array(100),
}
function time(name: string, n: number, fn: () => void) {
  for (let i = 0; i < 10000; i++) fn()
  const t = performance.now()
  for (let i = 0; i < n; i++) fn()
  const dt = performance.now() - t
  console.log(name, ((dt / n) * 1000).toFixed(2), 'us')
}
const body = codec.encode(callBody({ method: 'kv.put', params }))
const frame = encodeFrame({ kind: FrameKind.request, requestId: 1, deadlineMs: 100 }, body, {
  frameBytesMax: 1 << 20,
})
time('encode body', 200000, () => codec.encode(callBody({ method: 'kv.put', params })))
time('encode frame', 200000, () =>
  encodeFrame({ kind: FrameKind.request, requestId: 1, deadlineMs: 100 }, body, {
    frameBytesMax: 1 << 20,
  }),
)
time('decode body', 200000, () => parseCall(codec.decode(body)))
const dec = new FrameDecoder({ frameBytesMax: 1 << 20 })
time('decode frame', 200000, () => {
  dec.push(frame)
  dec.next()
})
time('abortcontroller', 200000, () => new AbortController())
time('timer', 200000, () => clearTimeout(setTimeout(() => {}, 10000)))
