/**
 * Per-method latency of an RpcServer's requests: one histogram per method, from the frame's
 * dispatch to the handler's outcome (time waiting in the read-ahead queue is not included).
 * Method names come from peers, so the set is bounded: past `methodsMax` distinct names, the
 * rest share the `(other)` series. On a storage node `kv.put` / `kv.delete` time a write from
 * Raft proposal to apply on the leader, and `kv.get` a read point plus the LSM lookup.
 */
import { BucketHistogram, exponentialBounds } from '../metrics/bucket-histogram.ts'

/** 100 µs .. ~6.5 s in x2 steps: loopback reads to slow proposals. */
export const rpcDurationBoundsSeconds: readonly number[] = exponentialBounds(0.0001, 2, 6.6)
export const otherMethod = '(other)'
const methodsMaxDefault = 64

export interface RpcMethodSeries {
  readonly histogram: BucketHistogram
  /** Outcomes that were errors (a ShoalError or a handler failure). */
  errors: number
}

export class RpcMethodStats {
  readonly #series = new Map<string, RpcMethodSeries>()
  readonly #methodsMax: number

  constructor(methodsMax = methodsMaxDefault) {
    this.#methodsMax = methodsMax
  }

  observe(method: string, seconds: number, failed: boolean): void {
    const series = this.#seriesOf(method)
    series.histogram.observe(seconds)
    if (failed) series.errors++
  }

  /** Every method seen so far, in first-seen order. */
  entries(): IterableIterator<[string, RpcMethodSeries]> {
    return this.#series.entries()
  }

  #seriesOf(method: string): RpcMethodSeries {
    const existing = this.#series.get(method)
    if (existing !== undefined) return existing
    const name = this.#series.size < this.#methodsMax ? method : otherMethod
    const series = this.#series.get(name) ?? {
      histogram: new BucketHistogram(rpcDurationBoundsSeconds),
      errors: 0,
    }
    this.#series.set(name, series)
    return series
  }
}
