/**
 * Space-Saving top-k (Metwally, Agrawal and El Abbadi 2005) with a fixed number of slots and
 * an indexed min-heap, so an update costs O(log capacity).
 *
 * Guarantees, for a stream of N: every key with count > N / capacity is tracked; a tracked
 * key's `count` is an upper bound and `count - error` a lower bound on its true count; a key
 * that is not tracked has a true count <= `minCount()` (when all slots are in use).
 *
 * Memory: the typed arrays are fixed at construction; the tracked key strings are counted in
 * `memoryBytes` at 2 bytes per UTF-16 unit plus an estimated `entryOverheadBytes` for the
 * string header and the Map entry (an estimate: V8 does not expose exact sizes).
 */
import { assert } from '../../shared/assert.ts'

export const entryOverheadBytes = 48

export interface TopKEntry {
  readonly key: string
  /** Upper bound on the key's count. */
  readonly count: number
  /** count - error is a lower bound on the key's count. */
  readonly error: number
}

export class SpaceSaving {
  readonly capacity: number
  readonly #keys: Array<string | null>
  readonly #counts: Float64Array
  readonly #errors: Float64Array
  /** heap[i] is a slot; a min-heap on #counts. Invariant: position[heap[i]] === i. */
  readonly #heap: Int32Array
  readonly #position: Int32Array
  readonly #slotOf = new Map<string, number>()
  #used = 0
  #keyUnits = 0
  #total = 0

  constructor(options: { capacity: number }) {
    assert(Number.isInteger(options.capacity) && options.capacity >= 1, 'capacity must be >= 1')
    this.capacity = options.capacity
    this.#keys = new Array<string | null>(options.capacity).fill(null)
    this.#counts = new Float64Array(options.capacity)
    this.#errors = new Float64Array(options.capacity)
    this.#heap = new Int32Array(options.capacity)
    this.#position = new Int32Array(options.capacity)
  }

  offer(key: string, options: { count: number }): void {
    assert(options.count > 0, 'count must be positive')
    this.#total += options.count
    const slot = this.#slotOf.get(key)
    if (slot !== undefined) {
      this.#counts[slot]! += options.count
      this.#siftDown(this.#position[slot]!)
      return
    }
    if (this.#used < this.capacity) {
      const fresh = this.#used++
      this.#place(fresh, key, { count: options.count, error: 0 })
      this.#heap[fresh] = fresh
      this.#position[fresh] = fresh
      this.#siftUp(fresh)
      return
    }
    const victim = this.#heap[0]!
    const floor = this.#counts[victim]!
    this.#slotOf.delete(this.#keys[victim]!)
    this.#keyUnits -= this.#keys[victim]!.length
    this.#place(victim, key, { count: floor + options.count, error: floor })
    this.#siftDown(0)
  }

  /** The tracked entry for `key`, or null. */
  get(key: string): TopKEntry | null {
    const slot = this.#slotOf.get(key)
    if (slot === undefined) return null
    return { key, count: this.#counts[slot]!, error: this.#errors[slot]! }
  }

  /** An upper bound on the count of any key that is not tracked (0 while slots are free). */
  minCount(): number {
    return this.#used < this.capacity ? 0 : this.#counts[this.#heap[0]!]!
  }

  /** Tracked keys, highest count first, at most `limit`. */
  top(limit: number): TopKEntry[] {
    const entries: TopKEntry[] = []
    for (let slot = 0; slot < this.#used; slot++) {
      entries.push({
        key: this.#keys[slot]!,
        count: this.#counts[slot]!,
        error: this.#errors[slot]!,
      })
    }
    entries.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))
    return entries.slice(0, limit)
  }

  get total(): number {
    return this.#total
  }

  get memoryBytes(): number {
    const arrays =
      this.#counts.byteLength +
      this.#errors.byteLength +
      this.#heap.byteLength +
      this.#position.byteLength +
      this.capacity * 8 // the #keys array of references
    return arrays + 2 * this.#keyUnits + this.#used * entryOverheadBytes
  }

  clear(): void {
    this.#keys.fill(null)
    this.#slotOf.clear()
    this.#used = 0
    this.#keyUnits = 0
    this.#total = 0
  }

  #place(slot: number, key: string, values: { count: number; error: number }): void {
    this.#keys[slot] = key
    this.#counts[slot] = values.count
    this.#errors[slot] = values.error
    this.#slotOf.set(key, slot)
    this.#keyUnits += key.length
  }

  #siftUp(start: number): void {
    let index = start
    while (index > 0) {
      const parent = (index - 1) >> 1
      if (this.#countAt(parent) <= this.#countAt(index)) break
      this.#swap(index, parent)
      index = parent
    }
  }

  #siftDown(start: number): void {
    let index = start
    for (;;) {
      const left = 2 * index + 1
      if (left >= this.#used) break
      const right = left + 1
      const child = right < this.#used && this.#countAt(right) < this.#countAt(left) ? right : left
      if (this.#countAt(index) <= this.#countAt(child)) break
      this.#swap(index, child)
      index = child
    }
  }

  #countAt(heapIndex: number): number {
    return this.#counts[this.#heap[heapIndex]!]!
  }

  #swap(a: number, b: number): void {
    const slotA = this.#heap[a]!
    const slotB = this.#heap[b]!
    this.#heap[a] = slotB
    this.#heap[b] = slotA
    this.#position[slotB] = a
    this.#position[slotA] = b
  }
}
