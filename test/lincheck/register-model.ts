/**
 * The sequential specification the checker linearizes against: one register per key, whose state
 * is a value or null (absent). Values are interned to small integers per partition so the search
 * compares and hashes states as numbers; state 0 is null.
 *
 *   get -> v        legal iff state == v; state unchanged
 *   put(v)          always legal; state := v
 *   delete          always legal; state := null
 *   cas(e, n) ok    legal iff state == e; state := n
 *   cas(e, n) fail  legal iff state != e; state unchanged
 *   append(v)       always legal; state := (state ?? "") + v   (Porcupine's kv model)
 *
 * An op with an unknown outcome skips the output check: an unknown cas swaps iff state == e.
 * Values no op observes share one state, `unobservedState` (unobserved-values.ts).
 */
import { assert, assertNever } from '../../shared/assert.ts'
import type { Operation, Value } from './operation.ts'

export const nullState = 0
/** The one state standing for every value no op can observe (unobserved-values.ts). */
export const unobservedState = 1

/** Interns values to dense ids; id 0 is null, id 1 the unobserved values. One per partition. */
export class ValueTable {
  readonly #ids = new Map<string, number>()
  readonly #values: Value[] = [null, null]
  readonly #unobserved: ReadonlySet<string>

  constructor(unobserved: ReadonlySet<string>) {
    this.#unobserved = unobserved
  }

  intern(value: Value): number {
    if (value === null) return nullState
    if (this.#unobserved.has(value)) return unobservedState
    let id = this.#ids.get(value)
    if (id === undefined) {
      id = this.#values.length
      this.#ids.set(value, id)
      this.#values.push(value)
    }
    return id
  }

  valueOf(id: number): Value {
    assert(id !== unobservedState, 'the unobserved state stands for many values')
    const value = this.#values[id]
    assert(value !== undefined, `no value interned as ${id}`)
    return value
  }
}

export const blindDelete = 1
export const blindUnobservedPut = 2

const fGet = 0
const fPut = 1
const fDelete = 2
const fCas = 3
const fAppend = 4

/** A partition's ops compiled to flat arrays for the search's inner loop. */
export class CompiledOps {
  readonly count: number
  readonly #f: Uint8Array
  readonly #value: Int32Array
  readonly #expected: Int32Array
  /** 1: output is checked (ok/fail known); 0: unknown outcome. */
  readonly #checked: Uint8Array
  /** For cas: 1 if the client saw ok, 0 if fail. */
  readonly #ok: Uint8Array
  readonly #blindClass: Uint8Array
  readonly #table: ValueTable

  constructor(ops: readonly Operation[], table: ValueTable) {
    this.count = ops.length
    this.#table = table
    this.#f = new Uint8Array(ops.length)
    this.#value = new Int32Array(ops.length)
    this.#expected = new Int32Array(ops.length)
    this.#checked = new Uint8Array(ops.length)
    this.#ok = new Uint8Array(ops.length)
    this.#blindClass = new Uint8Array(ops.length)
    ops.forEach((op, i) => {
      this.#f[i] = functionCode(op)
      this.#value[i] = table.intern(op.value)
      this.#expected[i] = table.intern(op.expected)
      this.#checked[i] = op.outcome === 'unknown' ? 0 : 1
      this.#ok[i] = op.outcome === 'fail' ? 0 : 1
      if (op.f === 'delete') this.#blindClass[i] = blindDelete
      if (op.f === 'put' && this.#value[i] === unobservedState) {
        this.#blindClass[i] = blindUnobservedPut
      }
    })
  }

  /** Gets and failed cas: never change the state, so a legal one can be linearized greedily. */
  isReadOnly(i: number): boolean {
    return (
      this.#f[i] === fGet || (this.#f[i] === fCas && this.#checked[i] === 1 && this.#ok[i] === 0)
    )
  }

  /**
   * Blind writes whose resulting state is the same whatever the state before: all deletes
   * (null), and puts of unobserved values. Two ops of one class have the same effect; a bit
   * mask value (0 for the other ops).
   */
  blindClass(i: number): number {
    return this.#blindClass[i]!
  }

  /** The state after applying op `i` to `state`, or -1 if the op's output is illegal there. */
  step(state: number, i: number): number {
    switch (this.#f[i]!) {
      case fGet:
        return this.#checked[i] === 0 || this.#value[i] === state ? state : -1
      case fPut:
        return this.#value[i]!
      case fDelete:
        return nullState
      case fCas: {
        const swaps = this.#expected[i] === state
        if (this.#checked[i] === 1 && swaps !== (this.#ok[i] === 1)) return -1
        return swaps ? this.#value[i]! : state
      }
      case fAppend: {
        const before = this.#table.valueOf(state) ?? ''
        return this.#table.intern(before + (this.#table.valueOf(this.#value[i]!) ?? ''))
      }
      default:
        assert(false, `bad function code ${this.#f[i]}`)
    }
  }
}

function functionCode(op: Operation): number {
  switch (op.f) {
    case 'get':
      return fGet
    case 'put':
      return fPut
    case 'delete':
      return fDelete
    case 'cas':
      return fCas
    case 'append':
      return fAppend
    default:
      return assertNever(op.f)
  }
}

/**
 * The same model on plain values, one op at a time, for reports (the search uses CompiledOps).
 * Returns the register after op, or undefined if op's known output is impossible from `before`.
 */
export function applyToRegister(op: Operation, before: Value): Value | undefined {
  const checked = op.outcome !== 'unknown'
  switch (op.f) {
    case 'get':
      return !checked || op.value === before ? before : undefined
    case 'put':
      return op.value
    case 'delete':
      return null
    case 'append':
      return (before ?? '') + (op.value ?? '')
    case 'cas': {
      const swaps = before === op.expected
      if (checked && swaps !== (op.outcome === 'ok')) return undefined
      return swaps ? op.value : before
    }
  }
}
