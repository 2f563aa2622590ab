/**
 * The Wing–Gong–Lowe search for one partition (one key), after Porcupine's `checkSingle`: walk
 * the entry list; at a call entry, try to linearize that op now (the model accepts its output
 * from the current state and the (set, state) configuration is new) and restart from the head;
 * at a return entry, the op returning there was not linearized in time, so undo the most recent
 * choice and try the next candidate after it. The history is linearizable when every op with a
 * finite return is linearized: ops still pending with unknown outcomes can all be placed at the
 * end, after everything else, where their unchecked outputs cannot fail.
 *
 * Candidates are tried in two passes per configuration: required ops (finite return) first, then
 * optional ones (unknown outcome, kept in a list of their own; one is a candidate if it was
 * invoked by the first pending return), so a linearizable history is rarely sidetracked by a
 * pending timed-out write. Two reductions keep those writes from multiplying the work:
 * pending blind writes with one effect (all deletes; all puts of values nobody reads) are
 * interchangeable, so only the first of each class is tried per configuration; and a blind
 * write is not tried right after another optional op, whose effect it would erase (the
 * configuration before that op tries it). The memo cache's dominance rule does the rest.
 *
 * Reads are greedy: if a get or failed cas is a candidate and legal in the current state, some
 * completion starts with it whenever any completion exists (it changes no state, every op that
 * returned before its invocation is already linearized, and moving it earlier only relaxes real
 * time), so it is linearized with no alternatives, and if that fails the configuration fails.
 *
 * Iterative (an explicit stack, no recursion), allocation-free in the loop, and bounded: the
 * clock is read every `stepsPerClockRead` steps against the deadline, and the memo cache has a
 * byte bound; either exhausted gives `unknown`. With `trackLongest`, the deepest partial
 * linearization is kept for the violation report (O(depth) per new maximum, so it is only asked
 * for when re-running a partition already known to be illegal).
 */
import { assert } from '../../shared/assert.ts'
import { EntryList, headNode } from './entry-list.ts'
import { LinearizedSet } from './linearized-set.ts'
import { MemoCache } from './memo-cache.ts'
import type { CompiledOps } from './register-model.ts'

const stepsPerClockRead = 4096

export interface SearchInput {
  readonly ops: CompiledOps
  readonly callTimes: readonly number[]
  /** +Infinity for an op with an unknown outcome (unless clamped by the pre-pass). */
  readonly returnTimes: readonly number[]
  readonly initialState: number
  readonly zobristSeed: number
  readonly cacheBytesMax: number
  readonly deadlineMs: number
  readonly nowMs: () => number
  readonly trackLongest: boolean
}

export interface SearchResult {
  readonly verdict: 'linearizable' | 'not-linearizable' | 'unknown'
  /** Why the search gave up, for `unknown`. */
  readonly gaveUp: 'deadline' | 'memory' | null
  readonly steps: number
  readonly cacheEntries: number
  /** With trackLongest and not linearizable: the deepest partial linearization, in order. */
  readonly longest: readonly number[] | null
}

export function searchPartition(input: SearchInput): SearchResult {
  return new Search(input).run()
}

/** Pass 1 tries required candidates, pass 2 optional ones (unknown outcome). */
const requiredPass = 1
const optionalPass = 2
/** What a step of the walk decided, besides "go on from this node". */
const illegal = -1

class Search {
  readonly #input: SearchInput
  readonly #requiredList: EntryList
  readonly #optionalList: EntryList
  readonly #set: LinearizedSet
  readonly #cache: MemoCache
  readonly #stackNode: Int32Array
  readonly #stackState: Int32Array
  readonly #stackPass: Uint8Array
  readonly #stackTried: Uint8Array
  readonly #stackLimit: Float64Array
  /** 1 for a greedy read: its configuration has no alternatives to try. */
  readonly #stackGreedy: Uint8Array
  #depth = 0
  #state: number
  #pass = requiredPass
  /** In the optional pass: optional ops invoked after this time are not candidates yet. */
  #limitMs = 0
  /** Blind-write classes (register-model.ts) already tried as optional ops here. */
  #triedClasses = 0
  #required = 0
  #steps = 0
  #gaveUp: SearchResult['gaveUp'] = null
  #longest: number[] | null = null

  constructor(input: SearchInput) {
    const count = input.ops.count
    assert(input.callTimes.length === count && input.returnTimes.length === count, 'times')
    this.#input = input
    const ops = Array.from({ length: count }, (_, op) => op)
    const required = ops.filter((op) => input.returnTimes[op] !== Infinity)
    const optional = ops.filter((op) => input.returnTimes[op] === Infinity)
    this.#requiredList = new EntryList(required, input.callTimes, input.returnTimes, true)
    this.#optionalList = new EntryList(optional, input.callTimes, input.returnTimes, false)
    this.#set = new LinearizedSet(input.callTimes, input.returnTimes, input.zobristSeed)
    this.#cache = new MemoCache(input.cacheBytesMax)
    this.#stackNode = new Int32Array(count)
    this.#stackState = new Int32Array(count)
    this.#stackPass = new Uint8Array(count)
    this.#stackTried = new Uint8Array(count)
    this.#stackLimit = new Float64Array(count)
    this.#stackGreedy = new Uint8Array(count)
    this.#state = input.initialState
    this.#required = required.length
  }

  run(): SearchResult {
    let node = this.#enter()
    while (this.#required > 0) {
      if (++this.#steps % stepsPerClockRead === 0 && this.#input.nowMs() > this.#input.deadlineMs) {
        return this.#result('unknown', 'deadline')
      }
      node = this.#pass === requiredPass ? this.#visitRequired(node) : this.#visitOptional(node)
      if (this.#gaveUp !== null) return this.#result('unknown', this.#gaveUp)
      if (node === illegal) return this.#result('not-linearizable', null)
    }
    return this.#result('linearizable', null)
  }

  /** One node of the required list: the next node to visit, or `illegal`. */
  #visitRequired(node: number): number {
    const list = this.#requiredList
    assert(node !== list.tailNode, 'search ran off the list with required ops left')
    if (list.isCall(node)) return this.#attempt(node, false) ? this.#enter() : list.next[node]!
    if (this.#optionalList.next[headNode] !== this.#optionalList.tailNode) {
      this.#pass = optionalPass
      this.#limitMs = this.#input.returnTimes[list.opOf[node]!]!
      return this.#optionalList.next[headNode]!
    }
    return this.#backtrack()
  }

  /** One node of the optional list: the next node to visit, or `illegal`. */
  #visitOptional(node: number): number {
    const list = this.#optionalList
    if (node === list.tailNode || this.#input.callTimes[list.opOf[node]!]! > this.#limitMs) {
      return this.#backtrack()
    }
    const blindClass = this.#input.ops.blindClass(list.opOf[node]!)
    if (blindClass !== 0) {
      if (this.#cameByOptional() || (this.#triedClasses & blindClass) !== 0) return list.next[node]!
      this.#triedClasses |= blindClass
    }
    return this.#attempt(node, false) ? this.#enter() : list.next[node]!
  }

  /**
   * At a configuration just reached: linearizes legal reads greedily while there are any, then
   * returns the node to walk from (or the result of backtracking if a greedy read led nowhere).
   */
  #enter(): number {
    for (;;) {
      const read = this.#legalRead()
      if (read === -1) return this.#requiredList.next[headNode]!
      if (!this.#attempt(read, true)) return this.#gaveUp === null ? this.#backtrack() : illegal
    }
  }

  /** A candidate get or failed cas that is legal in the current state, or -1. */
  #legalRead(): number {
    const list = this.#requiredList
    for (let node = list.next[headNode]!; list.isCall(node); node = list.next[node]!) {
      const op = list.opOf[node]!
      if (this.#input.ops.isReadOnly(op) && this.#input.ops.step(this.#state, op) !== -1) {
        return node
      }
    }
    return -1
  }

  /** Tries to linearize the op of `node` (in the current pass's list) now; true if it did. */
  #attempt(node: number, greedy: boolean): boolean {
    const list = this.#pass === requiredPass ? this.#requiredList : this.#optionalList
    const op = list.opOf[node]!
    const after = this.#input.ops.step(this.#state, op)
    if (after === -1) return false
    this.#set.toggle(op)
    const added = this.#cache.add(this.#set, after)
    if (added !== 'added') {
      this.#set.toggle(op)
      if (added === 'full') this.#gaveUp = 'memory'
      return false
    }
    this.#stackNode[this.#depth] = node
    this.#stackState[this.#depth] = this.#state
    this.#stackPass[this.#depth] = this.#pass
    this.#stackTried[this.#depth] = this.#triedClasses
    this.#stackLimit[this.#depth] = this.#limitMs
    this.#stackGreedy[this.#depth] = greedy ? 1 : 0
    this.#depth++
    this.#state = after
    this.#pass = requiredPass
    this.#triedClasses = 0
    list.lift(node)
    if (list === this.#requiredList) this.#required--
    if (this.#input.trackLongest && this.#depth > (this.#longest?.length ?? 0)) {
      this.#longest = this.#stackOps()
    }
    return true
  }

  /**
   * Undoes the latest choice and returns the node after it, the next candidate, or `illegal`.
   * A greedy read had no alternatives, so its configuration is undone as well.
   */
  #backtrack(): number {
    for (;;) {
      if (this.#depth === 0) return illegal
      const greedy = this.#stackGreedy[this.#depth - 1] === 1
      const node = this.#pop()
      if (!greedy) return node
    }
  }

  #pop(): number {
    this.#depth--
    const node = this.#stackNode[this.#depth]!
    this.#state = this.#stackState[this.#depth]!
    this.#pass = this.#stackPass[this.#depth]!
    this.#triedClasses = this.#stackTried[this.#depth]!
    this.#limitMs = this.#stackLimit[this.#depth]!
    const list = this.#pass === requiredPass ? this.#requiredList : this.#optionalList
    this.#set.toggle(list.opOf[node]!)
    list.unlift(node)
    if (list === this.#requiredList) this.#required++
    return list.next[node]!
  }

  /** Whether the latest op linearized is optional. */
  #cameByOptional(): boolean {
    return this.#depth > 0 && this.#stackPass[this.#depth - 1] === optionalPass
  }

  #stackOps(): number[] {
    const ops: number[] = []
    for (let i = 0; i < this.#depth; i++) {
      const list = this.#stackPass[i] === requiredPass ? this.#requiredList : this.#optionalList
      ops.push(list.opOf[this.#stackNode[i]!]!)
    }
    return ops
  }

  #result(verdict: SearchResult['verdict'], gaveUp: SearchResult['gaveUp']): SearchResult {
    const longest = verdict === 'not-linearizable' ? this.#longest : null
    return { verdict, gaveUp, steps: this.#steps, cacheEntries: this.#cache.size, longest }
  }
}
