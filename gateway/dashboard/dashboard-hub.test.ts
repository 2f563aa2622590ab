// DashboardHub, the SSE side of the dashboard: its bounds. Method: open viewers in-process and
// read their response streams: frames arrive as `event: frame` records, the viewer limit
// refuses the next one, a client that goes away (abort or stream cancel) frees its slot, and a
// viewer that never reads has frames dropped, then is closed.
import { describe, expect, it } from 'vitest'
import { DashboardHub } from './dashboard-hub.ts'

const options = { connectionsMax: 2, queuedFramesMax: 2, droppedFramesMax: 3, retryMs: 1500 }

async function readText(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const { value, done } = await reader.read()
  return done ? '<done>' : new TextDecoder().decode(value)
}

describe('DashboardHub', () => {
  it('DashboardHub: a viewer: the retry hint, the last frame, then each new frame', async () => {
    const hub = new DashboardHub(options)
    hub.publish({ n: 1 })
    const response = hub.open(new AbortController().signal)!
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = response.body!.getReader()
    expect(await readText(reader)).toBe('retry: 1500\n\n')
    expect(await readText(reader)).toBe('event: frame\ndata: {"n":1}\n\n')
    hub.publish({ n: 2, key: 'a\nb' })
    expect(await readText(reader)).toBe('event: frame\ndata: {"n":2,"key":"a\\nb"}\n\n')
    hub.closeAll()
    expect(await readText(reader)).toBe('<done>')
    expect(hub.viewerCount).toBe(0)
  })

  it('DashboardHub: over the viewer limit: refused until a viewer leaves', async () => {
    const hub = new DashboardHub(options)
    const first = new AbortController()
    expect(hub.open(first.signal)).not.toBeNull()
    const second = hub.open(new AbortController().signal)!
    expect(hub.open(new AbortController().signal)).toBeNull()
    expect(hub.stats.refused).toBe(1)
    first.abort()
    expect(hub.viewerCount).toBe(1)
    expect(hub.open(new AbortController().signal)).not.toBeNull()
    await second.body!.cancel() // the server cancels the stream when the socket closes
    expect(hub.viewerCount).toBe(1)
    expect(hub.stats.closed).toBe(2)
  })

  it('DashboardHub: a viewer that never reads: frames dropped, then closed', () => {
    const hub = new DashboardHub(options)
    hub.open(new AbortController().signal)
    // The retry hint fills one of two queue slots; one frame fits, the rest are dropped.
    for (let i = 0; i < 3; i++) hub.publish({ i })
    expect(hub.stats.framesSent).toBe(1)
    expect(hub.stats.framesDropped).toBe(2)
    expect(hub.viewerCount).toBe(1)
    hub.publish({ i: 3 })
    expect(hub.stats.framesDropped).toBe(3)
    expect(hub.viewerCount).toBe(0)
  })

  it('DashboardHub: an already aborted request: refused', () => {
    const hub = new DashboardHub(options)
    const gone = new AbortController()
    gone.abort()
    expect(hub.open(gone.signal)).toBeNull()
    expect(hub.viewerCount).toBe(0)
  })
})
