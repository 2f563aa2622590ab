/**
 * Progress bars for long CLI work (cli-progress), drawn on stderr only when stderr is a
 * terminal and the caller did not ask for --json: piped or scripted output never sees them.
 * A bar with an unknown total shows a count and the elapsed time instead of a bar.
 */
import { Presets, SingleBar } from 'cli-progress'
import { Writable } from 'node:stream'

export interface Progress {
  /** Sets the done count, and the total when it becomes known or changes. */
  update(done: number, total?: number): void
  /** Removes the bar from the terminal. Idempotent. */
  stop(): void
}

/** A stream that may be a terminal (process.stderr is one). */
export type TerminalStream = NodeJS.WritableStream & { readonly isTTY?: boolean }

export interface ProgressOptions {
  readonly json: boolean
  /** Default process.stderr. */
  readonly stream?: TerminalStream
}

const noProgress: Progress = { update: () => undefined, stop: () => undefined }

/** Whether a bar would be drawn: a TTY stream and no --json. */
export function progressShown(options: ProgressOptions): boolean {
  const stream = options.stream ?? process.stderr
  return !options.json && stream.isTTY === true
}

/** A bar labelled `label` counting `unit`s; `total` null when not known (yet). */
export function progressBar(
  label: string,
  unit: string,
  total: number | null,
  options: ProgressOptions,
): Progress {
  if (!progressShown(options)) return noProgress
  const format =
    total === null
      ? `${label} {value} ${unit} | {duration_formatted}`
      : `${label} [{bar}] {value}/{total} ${unit} | {duration_formatted}`
  const bar = new SingleBar(
    {
      format,
      stream: options.stream ?? process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    Presets.shades_classic,
  )
  bar.start(total ?? 0, 0)
  let stopped = false
  return {
    update(done: number, newTotal?: number): void {
      if (stopped) return
      if (newTotal !== undefined) bar.setTotal(newTotal)
      bar.update(done)
    },
    stop(): void {
      if (stopped) return
      stopped = true
      bar.stop()
    },
  }
}

/**
 * A stream that holds what is written to it while a progress bar is drawn (so log lines do
 * not tear the bar), then passes everything held, and all later writes, to `target`.
 */
export class HeldOutput extends Writable {
  readonly #target: NodeJS.WritableStream
  #held: Buffer[] | null
  constructor(target: NodeJS.WritableStream, hold: boolean) {
    super()
    this.#target = target
    this.#held = hold ? [] : null
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    if (this.#held === null) this.#target.write(chunk)
    else this.#held.push(chunk)
    done()
  }
  /** Writes out what was held; later writes go straight through. */
  release(): void {
    const held = this.#held ?? []
    this.#held = null
    for (const chunk of held) this.#target.write(chunk)
  }
}
