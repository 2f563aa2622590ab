/**
 * FrameWriter: batches the frames written to one socket during an event-loop turn into one
 * write, and respects the socket's backpressure.
 *
 * Frames enqueued in a turn are flushed together at the end of it (setImmediate runs right after
 * the I/O poll phase, so every response produced from one read shares a write). A batch of small
 * frames is concatenated (one copy, one syscall); a batch with large frames is written corked,
 * so libuv sends it with one writev and no copy. When socket.write() reports a full kernel
 * buffer, nothing more is written until 'drain'; frames wait here, and `queuedBytes` lets the
 * owner refuse or pause before that queue grows past its limit.
 *
 * This is the I/O shell's scheduler: it is not part of the deterministic simulation (the
 * simulator replaces the transport), so it uses setImmediate directly.
 */
import type { Socket } from 'node:net'
import { concatBytes } from '../codecs/bytes.ts'

const concatBytesMax = 64 * 1024 // above this a batch is corked instead of copied

export class FrameWriter {
  readonly #socket: Socket
  #queue: Uint8Array[] = []
  /** Invariant: the sum of the lengths in #queue. */
  #queueBytes = 0
  #scheduled = false
  #waitingForDrain = false
  #closed = false
  readonly #onDrain: () => void

  /** `onDrain` runs after the socket drained and every queued frame has been handed to it. */
  constructor(socket: Socket, onDrain: () => void) {
    this.#socket = socket
    this.#onDrain = onDrain
    socket.on('drain', () => {
      this.#waitingForDrain = false
      this.#flush()
      if (!this.#waitingForDrain) this.#onDrain()
    })
  }

  /** Bytes not yet accepted by the kernel: queued here plus buffered in the socket. */
  get queuedBytes(): number {
    return this.#queueBytes + this.#socket.writableLength
  }

  /** True while the socket's buffer is full; the owner stops producing until onDrain. */
  get blocked(): boolean {
    return this.#waitingForDrain
  }

  enqueue(frame: Uint8Array): void {
    if (this.#closed) return
    this.#queue.push(frame)
    this.#queueBytes += frame.length
    if (this.#scheduled || this.#waitingForDrain) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#flush()
    })
  }

  /** Writes what is queued now (used before closing a connection on purpose). */
  flushNow(): void {
    this.#flush()
  }

  /** Drops queued frames; the socket is going away. */
  close(): void {
    this.#closed = true
    this.#queue = []
    this.#queueBytes = 0
  }

  #flush(): void {
    if (this.#closed || this.#waitingForDrain || this.#queue.length === 0) return
    if (this.#socket.destroyed || !this.#socket.writable) return this.close()
    const batch = this.#queue
    const batchBytes = this.#queueBytes
    this.#queue = []
    this.#queueBytes = 0
    let accepted: boolean
    if (batch.length === 1) {
      accepted = this.#socket.write(batch[0]!)
    } else if (batchBytes <= concatBytesMax) {
      accepted = this.#socket.write(concatBytes(batch, batchBytes))
    } else {
      this.#socket.cork()
      accepted = true
      for (const frame of batch) accepted = this.#socket.write(frame) && accepted
      this.#socket.uncork()
    }
    if (!accepted) this.#waitingForDrain = true
  }
}
