/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014), pure: wall time in,
 * timestamp out. Timestamps never go backwards, stay close to wall time, and a timestamp
 * received from a peer is merged so that every later local timestamp is above it.
 *
 * Encoding: one safe integer (JSON-friendly, orders like the pair it encodes):
 *
 *   timestamp = wallMs * 2^11 + logical        wallMs < 2^42 (until year 2109)
 *                                              logical < 2^11 (2048 events per ms)
 *
 * The pair form is { wallMs, logical }; `encodeHlc` / `decodeHlc` convert. When `logical`
 * would overflow 2047 in one millisecond the clock borrows the next millisecond (wallMs + 1,
 * logical 0): still monotonic, and it drifts ahead of real time by at most one ms per 2048
 * events beyond that rate, which the next real millisecond absorbs.
 *
 * A remote timestamp more than `remoteAheadMsMax` ahead of our wall clock is refused with a
 * typed error rather than dragging this clock (and every later write) into the future.
 */
import { assert } from '../assert.ts'
import { ShoalError } from '../errors.ts'

export const hlcLogicalBits = 11
const logicalSpan = 2 ** hlcLogicalBits // 2048
export const hlcLogicalMax = logicalSpan - 1
export const hlcWallMsMax = 2 ** (53 - hlcLogicalBits) - 1

export interface HlcPair {
  readonly wallMs: number
  readonly logical: number
}

/** A timestamp as one safe integer (see the layout above). */
export type HlcTimestamp = number

export function encodeHlc(pair: HlcPair): HlcTimestamp {
  assert(Number.isSafeInteger(pair.wallMs), 'HLC wallMs must be an integer')
  assert(pair.wallMs >= 0 && pair.wallMs <= hlcWallMsMax, 'HLC wallMs out of range')
  assert(Number.isInteger(pair.logical), 'HLC logical must be an integer')
  assert(pair.logical >= 0 && pair.logical <= hlcLogicalMax, 'HLC logical out of range')
  return pair.wallMs * logicalSpan + pair.logical
}

export function decodeHlc(timestamp: HlcTimestamp): HlcPair {
  assert(Number.isSafeInteger(timestamp) && timestamp >= 0, 'HLC timestamp must be a safe uint')
  const wallMs = Math.floor(timestamp / logicalSpan)
  return { wallMs, logical: timestamp - wallMs * logicalSpan }
}

/** Validates an untrusted timestamp (e.g. from a frame): typed error instead of assertion. */
export function parseHlc(value: unknown): HlcTimestamp {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ShoalError('bad-request', 'an HLC timestamp must be a non-negative safe integer')
  }
  return value
}

export interface HlcOptions {
  /** A remote timestamp further ahead of our wall clock than this is refused. */
  readonly remoteAheadMsMax: number
}

export class HybridLogicalClock {
  /** Invariant: the last timestamp issued or merged; every later result is strictly above. */
  #last: HlcPair = { wallMs: 0, logical: 0 }
  readonly #options: HlcOptions

  constructor(options: HlcOptions) {
    assert(options.remoteAheadMsMax > 0, 'remoteAheadMsMax must be positive')
    this.#options = options
  }

  /** The last timestamp issued or merged (0 before the first). */
  get last(): HlcTimestamp {
    return encodeHlc(this.#last)
  }

  /** A timestamp for a local event (a write) at wall time `wallMs`. */
  now(wallMs: number): HlcTimestamp {
    assert(Number.isSafeInteger(wallMs) && wallMs >= 0, 'wallMs must be a non-negative integer')
    const next = wallMs > this.#last.wallMs ? { wallMs, logical: 0 } : this.#successor(this.#last)
    return this.#issue(next)
  }

  /**
   * Merges a timestamp received from a peer at wall time `wallMs` and returns a timestamp above
   * both it and everything issued before. Throws ShoalError 'bad-request' if the remote is more
   * than remoteAheadMsMax ahead of `wallMs`.
   */
  receive(remote: HlcTimestamp, wallMs: number): HlcTimestamp {
    assert(Number.isSafeInteger(wallMs) && wallMs >= 0, 'wallMs must be a non-negative integer')
    const peer = decodeHlc(parseHlc(remote))
    if (peer.wallMs - wallMs > this.#options.remoteAheadMsMax) {
      throw new ShoalError(
        'bad-request',
        `remote HLC is ${peer.wallMs - wallMs} ms ahead of the wall clock ` +
          `(max ${this.#options.remoteAheadMsMax})`,
      )
    }
    const highest = comparePairs(peer, this.#last) > 0 ? peer : this.#last
    const next = wallMs > highest.wallMs ? { wallMs, logical: 0 } : this.#successor(highest)
    return this.#issue(next)
  }

  #successor(pair: HlcPair): HlcPair {
    if (pair.logical < hlcLogicalMax) return { wallMs: pair.wallMs, logical: pair.logical + 1 }
    return { wallMs: pair.wallMs + 1, logical: 0 } // borrow the next millisecond
  }

  #issue(next: HlcPair): HlcTimestamp {
    assert(comparePairs(next, this.#last) > 0, 'HLC must move forward')
    this.#last = next
    return encodeHlc(next)
  }
}

function comparePairs(a: HlcPair, b: HlcPair): number {
  return a.wallMs !== b.wallMs ? a.wallMs - b.wallMs : a.logical - b.logical
}
