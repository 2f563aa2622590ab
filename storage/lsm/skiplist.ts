/**
 * SkipList: an ordered map from internal key (LSM order, internal-key.ts) to entry value,
 * insert-only (an LSM memtable never updates in place: every write has a new sequence number).
 * Node heights come from the injected Prng (p = 1/4, max 12), so a run is reproducible from its
 * seed.
 *
 * Nodes are numbers, laid out as arrays rather than objects: each node's key and value bytes
 * are copied next to each other into a chunked arena and its forward pointers ("tower") sit in
 * one shared Int32Array. A step of a search then reads a tower slot, an offset and the key
 * bytes, instead of chasing a node object, its pointer array, a typed-array object and its
 * backing store (four cache misses per comparison on a memtable larger than the CPU cache).
 * The list keeps no object per entry: the caller's arrays die young instead of surviving every
 * young-generation GC until the memtable is flushed (on a storage node those copies and
 * promotions were a third of what each scavenge kept). `key()` and `value()` hand out views
 * into the arena. The arena is inlined here rather than shared/codecs/byte-arena.ts: a search
 * step reads a chunk per comparison, and the shared class's indirection measured 4–5% slower
 * fills. Node 0 is the head; a pointer 0 means "none" (nothing points back at it).
 */
import { assert } from '../../shared/assert.ts'
import type { Prng } from '../../shared/random/prng.ts'
import { compareInternalAt, compareUserKeyAt } from './internal-key.ts'
import type { SortedRunImage } from './sorted-run-image.ts'

const HEIGHT_MAX = 12
const ARENA_CHUNK_BYTES = 256 * 1024
const NODES_START = 256

/** "No node" for the node-returning methods. */
export const NONE = 0

/**
 * The list's arrays live in SharedArrayBuffers: a flush on a worker thread reads an immutable
 * memtable in place (posting them shares memory; copying 64 MiB held this thread ~40 ms).
 */
function sharedInts(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * 4))
}

function sharedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length))
}

function grown(array: Int32Array, needed: number): Int32Array {
  if (needed <= array.length) return array
  let capacity = array.length * 2
  while (capacity < needed) capacity *= 2
  const out = sharedInts(capacity)
  out.set(array)
  return out
}

export class SkipList {
  readonly #prng: Prng
  /** Per node: arena chunk, start in it, key length, value length, first tower slot. */
  #chunkOf: Int32Array = sharedInts(NODES_START)
  #startOf: Int32Array = sharedInts(NODES_START)
  #lengthOf: Int32Array = sharedInts(NODES_START)
  #valueLengthOf: Int32Array = sharedInts(NODES_START)
  #towerOf: Int32Array = sharedInts(NODES_START)
  #towers: Int32Array = sharedInts(NODES_START * 2)
  #towersUsed = HEIGHT_MAX // the head's tower is slots [0, HEIGHT_MAX)
  readonly #chunks: Uint8Array[] = [sharedBytes(ARENA_CHUNK_BYTES)]
  #chunkUsed = 0
  readonly #update = new Int32Array(HEIGHT_MAX)
  #height = 1
  #count = 0

  constructor(prng: Prng) {
    this.#prng = prng
  }

  get count(): number {
    return this.#count
  }

  /** The node's internal key: a view into the arena (do not write to it). */
  key(node: number): Uint8Array {
    const start = this.#startOf[node]!
    return this.#chunks[this.#chunkOf[node]!]!.subarray(start, start + this.#lengthOf[node]!)
  }

  /** The node's value: a view into the arena (do not write to it). */
  value(node: number): Uint8Array {
    const start = this.#startOf[node]! + this.#lengthOf[node]!
    const chunk = this.#chunks[this.#chunkOf[node]!]!
    return chunk.subarray(start, start + this.#valueLengthOf[node]!)
  }

  /** The node after `node` in key order, or NONE. */
  next(node: number): number {
    return this.#towers[this.#towerOf[node]!]!
  }

  #randomHeight(): number {
    let height = 1
    while (height < HEIGHT_MAX && (this.#prng.nextU32() & 3) === 0) height++
    return height
  }

  /** compareInternal(key of `node`, target) on the arena copy. */
  #compare(node: number, target: Uint8Array): number {
    const start = this.#startOf[node]!
    const chunk = this.#chunks[this.#chunkOf[node]!]!
    return compareInternalAt(chunk, start, start + this.#lengthOf[node]!, target)
  }

  /** Copies a node's key then value into the arena (a chunk of their own when larger). */
  #store(node: number, key: Uint8Array, value: Uint8Array): void {
    const bytes = key.length + value.length
    if (this.#chunkUsed + bytes > ARENA_CHUNK_BYTES) {
      this.#chunks.push(sharedBytes(Math.max(ARENA_CHUNK_BYTES, bytes)))
      this.#chunkUsed = 0
    }
    const chunk = this.#chunks.length - 1
    const start = this.#chunkUsed
    const arena = this.#chunks[chunk]!
    arena.set(key, start)
    arena.set(value, start + key.length)
    this.#chunkUsed += bytes
    this.#chunkOf[node] = chunk
    this.#startOf[node] = start
    this.#lengthOf[node] = key.length
    this.#valueLengthOf[node] = value.length
  }

  /** Inserts and returns the new node. */
  insert(key: Uint8Array, value: Uint8Array): number {
    const towers = this.#towers
    const towerOf = this.#towerOf
    const update = this.#update
    let node = 0
    for (let level = this.#height - 1; level >= 0; level--) {
      let next = towers[towerOf[node]! + level]!
      while (next !== NONE && this.#compare(next, key) < 0) {
        node = next
        next = towers[towerOf[node]! + level]!
      }
      update[level] = node
    }
    const found = towers[towerOf[node]!]!
    assert(found === NONE || this.#compare(found, key) !== 0, 'duplicate internal key')
    const height = this.#randomHeight()
    for (let level = this.#height; level < height; level++) update[level] = 0
    this.#height = Math.max(this.#height, height)
    const fresh = this.#newNode(key, value, height)
    this.#link(fresh, update, height)
    this.#count++
    return fresh
  }

  #newNode(key: Uint8Array, value: Uint8Array, height: number): number {
    const fresh = this.#count + 1 // node 0 is the head
    if (fresh >= this.#chunkOf.length) {
      this.#chunkOf = grown(this.#chunkOf, fresh + 1)
      this.#startOf = grown(this.#startOf, fresh + 1)
      this.#lengthOf = grown(this.#lengthOf, fresh + 1)
      this.#valueLengthOf = grown(this.#valueLengthOf, fresh + 1)
      this.#towerOf = grown(this.#towerOf, fresh + 1)
    }
    this.#store(fresh, key, value)
    this.#towers = grown(this.#towers, this.#towersUsed + height)
    this.#towerOf[fresh] = this.#towersUsed
    this.#towersUsed += height
    return fresh
  }

  #link(fresh: number, update: Int32Array, height: number): void {
    const towers = this.#towers
    const at = this.#towerOf[fresh]!
    for (let level = 0; level < height; level++) {
      const before = this.#towerOf[update[level]!]! + level
      towers[at + level] = towers[before]!
      towers[before] = fresh
    }
  }

  /** First node with key >= `key`, or NONE. */
  seekGE(key: Uint8Array): number {
    const towers = this.#towers
    const towerOf = this.#towerOf
    let node = 0
    // A node already found >= key at a higher level is not compared again (LevelDB's trick).
    let known = -1
    for (let level = this.#height - 1; level >= 0; level--) {
      let next = towers[towerOf[node]! + level]!
      while (next !== NONE && next !== known && this.#compare(next, key) < 0) {
        node = next
        next = towers[towerOf[node]! + level]!
      }
      known = next
    }
    return towers[towerOf[node]!]!
  }

  /** First node of `userKey` or after it (seekGE(seekKeyFor(userKey)) without the seek key). */
  seekUserKey(userKey: Uint8Array): number {
    const towers = this.#towers
    const towerOf = this.#towerOf
    let node = 0
    let known = -1
    for (let level = this.#height - 1; level >= 0; level--) {
      let next = towers[towerOf[node]! + level]!
      while (next !== NONE && next !== known) {
        const start = this.#startOf[next]!
        const chunk = this.#chunks[this.#chunkOf[next]!]!
        if (compareUserKeyAt(chunk, start, start + this.#lengthOf[next]!, userKey) >= 0) break
        node = next
        next = towers[towerOf[node]! + level]!
      }
      known = next
    }
    return towers[towerOf[node]!]!
  }

  /** Last node with key < `key`, or NONE. */
  seekLT(key: Uint8Array): number {
    const towers = this.#towers
    const towerOf = this.#towerOf
    let node = 0
    for (let level = this.#height - 1; level >= 0; level--) {
      let next = towers[towerOf[node]! + level]!
      while (next !== NONE && this.#compare(next, key) < 0) {
        node = next
        next = towers[towerOf[node]! + level]!
      }
    }
    return node
  }

  first(): number {
    return this.#towers[0]!
  }

  /** The list's shared arrays, for a worker thread to walk in key order (sorted-run-image.ts). */
  image(): SortedRunImage {
    return {
      chunks: this.#chunks,
      chunkOf: this.#chunkOf,
      startOf: this.#startOf,
      lengthOf: this.#lengthOf,
      valueLengthOf: this.#valueLengthOf,
      towerOf: this.#towerOf,
      towers: this.#towers,
    }
  }

  last(): number {
    const towers = this.#towers
    let node = 0
    for (let level = this.#height - 1; level >= 0; level--) {
      let next = towers[this.#towerOf[node]! + level]!
      while (next !== NONE) {
        node = next
        next = towers[this.#towerOf[node]! + level]!
      }
    }
    return node
  }
}
