// Progress bars: drawn only on a terminal without --json, so piped output never carries them.
// Method: a real Writable that records what it is given, once flagged as a TTY and once not.
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { progressBar, progressShown } from './progress.ts'

class Recorder extends Writable {
  text = ''
  readonly columns = 100
  constructor(readonly isTTY: boolean) {
    super()
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

function recorder(isTTY: boolean): { stream: Recorder; text: () => string } {
  const stream = new Recorder(isTTY)
  return { stream, text: () => stream.text }
}

describe('progress', () => {
  it('progress: terminal without --json: draws count and total, clears when stopped', () => {
    const { stream, text } = recorder(true)
    expect(progressShown({ json: false, stream })).toBe(true)
    const bar = progressBar('shards with a leader', 'shards', 16, { json: false, stream })
    bar.update(5)
    bar.update(16)
    bar.stop()
    bar.update(3) // after stop: ignored, no throw
    expect(text()).toContain('shards with a leader')
    expect(text()).toMatch(/16\/16 shards/)
  })
  it('progress: unknown total: shows a count, no bar', () => {
    const { stream, text } = recorder(true)
    const bar = progressBar('scan', 'items', null, { json: false, stream })
    bar.update(250)
    bar.stop()
    expect(text()).toContain('scan 250 items')
  })
  it('progress: piped stream or --json: writes nothing', () => {
    for (const [isTTY, json] of [
      [false, false],
      [true, true],
    ] as const) {
      const { stream, text } = recorder(isTTY)
      expect(progressShown({ json, stream })).toBe(false)
      const bar = progressBar('scan', 'items', 10, { json, stream })
      bar.update(5)
      bar.stop()
      expect(text()).toBe('')
    }
  })
})
