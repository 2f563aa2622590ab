/**
 * The accounting of the stale-after-ack probe of the collapse bench: a key's value is written
 * through the Shoal gateway again and again; after each acknowledged write, a read through the
 * system under test must return that value. A read is `fresh` when it returns the last
 * acknowledged value, `stale` when it returns a value acknowledged earlier (or the value from
 * before the first write), and `invalid` when it fails or returns a value never written.
 * `versionsBehind` says how many acknowledged writes a stale read missed. Pure: the bench does
 * the I/O and feeds the outcomes in.
 */
import { assert } from '../../shared/assert.ts'

export type ProbeVerdict = 'fresh' | 'stale' | 'invalid'

export interface ProbeCounts {
  readonly probe: 'stale-after-ack'
  readonly reads: number
  readonly fresh: number
  readonly stale: number
  readonly invalid: number
  /** Most acknowledged writes one stale read missed (0 without stale reads). */
  readonly maxVersionsBehind: number
}

export class StaleProbeTally {
  /** Acknowledged values, oldest first; the last is the one a read must return. */
  readonly #acknowledged: string[]
  #fresh = 0
  #stale = 0
  #invalid = 0
  #maxBehind = 0

  constructor(initialValue: string) {
    this.#acknowledged = [initialValue]
  }

  /** The value a read must return now. */
  get expected(): string {
    return this.#acknowledged.at(-1)!
  }

  /** A write of `value` was acknowledged. Values must be distinct to tell reads apart. */
  acknowledged(value: string): void {
    assert(!this.#acknowledged.includes(value), `probe value ${value} was already written`)
    this.#acknowledged.push(value)
  }

  /** Classifies a read made after the last acknowledgement (status 200 with `body`). */
  observed(status: number, body: string): ProbeVerdict {
    const at = this.#acknowledged.lastIndexOf(body)
    if (status !== 200 || at < 0) {
      this.#invalid++
      return 'invalid'
    }
    const behind = this.#acknowledged.length - 1 - at
    if (behind === 0) {
      this.#fresh++
      return 'fresh'
    }
    this.#stale++
    this.#maxBehind = Math.max(this.#maxBehind, behind)
    return 'stale'
  }

  counts(): ProbeCounts {
    return {
      probe: 'stale-after-ack',
      reads: this.#fresh + this.#stale + this.#invalid,
      fresh: this.#fresh,
      stale: this.#stale,
      invalid: this.#invalid,
      maxVersionsBehind: this.#maxBehind,
    }
  }
}
