/**
 * DashboardHub: the Server-Sent Events side of the dashboard. Each viewer is one streamed
 * response; `publish` serializes a frame once and enqueues it to every viewer.
 *
 * Bounds. At most `connectionsMax` viewers (the route answers 503 past it). A viewer's queue
 * holds at most `queuedFramesMax` frames: a frame that finds it full is dropped for that viewer
 * (frames are snapshots, the next one supersedes it), and a viewer that has dropped
 * `droppedFramesMax` frames in a row is closed. A viewer leaves when its client disconnects
 * (the server cancels the stream, or the request's signal aborts) or at `closeAll`.
 */
import { assert } from '../../shared/assert.ts'

export interface DashboardHubOptions {
  readonly connectionsMax: number
  readonly queuedFramesMax: number
  readonly droppedFramesMax: number
  /** The EventSource reconnect delay the stream announces. */
  readonly retryMs: number
}

interface Viewer {
  readonly controller: ReadableStreamDefaultController<Uint8Array>
  droppedInARow: number
  close(): void
}

const encoder = new TextEncoder()

export class DashboardHub {
  readonly stats = { opened: 0, refused: 0, closed: 0, framesSent: 0, framesDropped: 0 }
  readonly #options: DashboardHubOptions
  /** Invariant: size <= connectionsMax; a viewer is removed exactly once, by its close(). */
  readonly #viewers = new Set<Viewer>()
  #lastEvent: Uint8Array | null = null

  constructor(options: DashboardHubOptions) {
    assert(options.connectionsMax >= 1, 'connectionsMax must be at least 1')
    assert(options.queuedFramesMax >= 1, 'queuedFramesMax must be at least 1')
    assert(options.droppedFramesMax >= 1, 'droppedFramesMax must be at least 1')
    this.#options = options
  }

  get viewerCount(): number {
    return this.#viewers.size
  }

  /** A text/event-stream response for a new viewer, or null when the hub is full. */
  open(signal: AbortSignal): Response | null {
    if (this.#viewers.size >= this.#options.connectionsMax || signal.aborted) {
      this.stats.refused++
      return null
    }
    // start() runs inside the constructor; cancel() later, when the client goes away.
    let cancel: () => void = () => {}
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          const viewer: Viewer = {
            controller,
            droppedInARow: 0,
            close: () => {
              if (!this.#viewers.delete(viewer)) return
              this.stats.closed++
              signal.removeEventListener('abort', viewer.close)
              try {
                controller.close()
              } catch {
                // already closed or errored by the consumer: nothing left to release
              }
            },
          }
          this.#viewers.add(viewer)
          this.stats.opened++
          signal.addEventListener('abort', viewer.close, { once: true })
          controller.enqueue(encoder.encode(`retry: ${this.#options.retryMs}\n\n`))
          if (this.#lastEvent !== null) controller.enqueue(this.#lastEvent)
          cancel = viewer.close
        },
        cancel: () => cancel(),
      },
      new CountQueuingStrategy({ highWaterMark: this.#options.queuedFramesMax }),
    )
    return new Response(stream, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-store',
        'x-accel-buffering': 'no',
      },
    })
  }

  /** Sends `frame` (JSON) as a `frame` event to every viewer with room in its queue. */
  publish(frame: unknown): void {
    const event = encoder.encode(`event: frame\ndata: ${JSON.stringify(frame)}\n\n`)
    this.#lastEvent = event
    for (const viewer of [...this.#viewers]) {
      const room = viewer.controller.desiredSize
      if (room !== null && room <= 0) {
        this.stats.framesDropped++
        viewer.droppedInARow++
        if (viewer.droppedInARow >= this.#options.droppedFramesMax) viewer.close()
        continue
      }
      viewer.droppedInARow = 0
      viewer.controller.enqueue(event)
      this.stats.framesSent++
    }
  }

  closeAll(): void {
    for (const viewer of [...this.#viewers]) viewer.close()
  }
}
