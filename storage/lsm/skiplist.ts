/**
 * SkipList: an ordered map from internal key to entry value, insert-only (an LSM memtable never
 * updates in place: every write has a new sequence number). Node heights come from the injected
 * Prng (p = 1/4, max 12), so a run is reproducible from its seed.
 */
import { assert } from '../../shared/assert.ts'
import type { Prng } from '../../shared/random/prng.ts'

const HEIGHT_MAX = 12

export interface SkipNode {
  readonly key: Uint8Array
  readonly value: Uint8Array
  readonly next: Array<SkipNode | undefined>
}

export type Comparator = (a: Uint8Array, b: Uint8Array) => number

export class SkipList {
  readonly #head: SkipNode
  readonly #compare: Comparator
  readonly #prng: Prng
  #height = 1
  #count = 0

  constructor(compare: Comparator, prng: Prng) {
    this.#compare = compare
    this.#prng = prng
    this.#head = { key: new Uint8Array(0), value: new Uint8Array(0), next: [] }
    for (let i = 0; i < HEIGHT_MAX; i++) this.#head.next.push(undefined)
  }

  get count(): number {
    return this.#count
  }

  #randomHeight(): number {
    let height = 1
    while (height < HEIGHT_MAX && (this.#prng.nextU32() & 3) === 0) height++
    return height
  }

  insert(key: Uint8Array, value: Uint8Array): void {
    const update: SkipNode[] = new Array<SkipNode>(HEIGHT_MAX)
    let node = this.#head
    for (let level = this.#height - 1; level >= 0; level--) {
      let next = node.next[level]
      while (next !== undefined && this.#compare(next.key, key) < 0) {
        node = next
        next = node.next[level]
      }
      update[level] = node
    }
    const found = node.next[0]
    assert(found === undefined || this.#compare(found.key, key) !== 0, 'duplicate internal key')
    const height = this.#randomHeight()
    for (let level = this.#height; level < height; level++) update[level] = this.#head
    this.#height = Math.max(this.#height, height)
    const fresh: SkipNode = { key, value, next: new Array<SkipNode | undefined>(height) }
    for (let level = 0; level < height; level++) {
      fresh.next[level] = update[level]!.next[level]
      update[level]!.next[level] = fresh
    }
    this.#count++
  }

  /** First node with key >= `key`. */
  seekGE(key: Uint8Array): SkipNode | undefined {
    return this.seekBy(key, this.#compare)
  }

  /**
   * First node with `compare(node.key, target) >= 0`; `compare` must order the list the same
   * way as the list's comparator (e.g. a user key against internal keys).
   */
  seekBy(target: Uint8Array, compare: Comparator): SkipNode | undefined {
    let node = this.#head
    // A node already found >= key at a higher level is not compared again (LevelDB's trick).
    let known: SkipNode | undefined
    for (let level = this.#height - 1; level >= 0; level--) {
      let next = node.next[level]
      while (next !== undefined && next !== known && compare(next.key, target) < 0) {
        node = next
        next = node.next[level]
      }
      known = next
    }
    return node.next[0]
  }

  /** Last node with key < `key`. */
  seekLT(key: Uint8Array): SkipNode | undefined {
    let node = this.#head
    for (let level = this.#height - 1; level >= 0; level--) {
      let next = node.next[level]
      while (next !== undefined && this.#compare(next.key, key) < 0) {
        node = next
        next = node.next[level]
      }
    }
    return node === this.#head ? undefined : node
  }

  first(): SkipNode | undefined {
    return this.#head.next[0]
  }

  last(): SkipNode | undefined {
    let node = this.#head
    for (let level = this.#height - 1; level >= 0; level--) {
      let next = node.next[level]
      while (next !== undefined) {
        node = next
        next = node.next[level]
      }
    }
    return node === this.#head ? undefined : node
  }
}
