/**
 * One scenario operation as HTTP calls against the gateway, and how its answer is classified:
 * `ok` (the answer the API promises for it), the status label errors are counted under, and the
 * X-Shoal-Coalesced role of a single read (for backend reads per client read).
 *
 * Expected answers: read → 200, or 404 for a key never written (counted as `notFound`, not an
 * error); write → 200/201; multi-get → 200; CAS → a read then a conditional write, where 412
 * (another client won the race) is the contention the scenario measures, not an error.
 */
import type { Prng } from '../../shared/random/prng.ts'
import { keyPicker, mixPicker, type KeyPicker } from '../scenarios/key-picker.ts'
import { keyName, type OperationKind, type Scenario } from '../scenarios/scenario.ts'
import type { HttpCall, HttpOutcome, HttpTarget } from './http-target.ts'

export interface OperationResult {
  readonly kind: OperationKind
  readonly ok: boolean
  /** '200', '404', '412', '503', 'network', 'timeout', ... */
  readonly label: string
  /** For single reads: the X-Shoal-Coalesced role, else null. */
  readonly role: string | null
  readonly notFound: boolean
  readonly conflict: boolean
}

export class OperationSource {
  readonly #scenario: Scenario
  readonly #keys: KeyPicker
  readonly #kind: () => OperationKind
  readonly #value: Uint8Array
  readonly #readQuery: string

  constructor(scenario: Scenario, prng: Prng) {
    this.#scenario = scenario
    this.#keys = keyPicker(scenario.keys, prng.fork())
    this.#kind = mixPicker(scenario.mix, prng.fork())
    this.#value = new Uint8Array(scenario.valueBytes).fill(0x61)
    const staleness =
      scenario.maxStalenessMs === undefined ? '' : `&maxStalenessMs=${scenario.maxStalenessMs}`
    this.#readQuery = `?consistency=${scenario.consistency}${staleness}`
  }

  /** Draws the next operation; calling the result runs it. */
  next(): { kind: OperationKind; run: (target: HttpTarget) => Promise<OperationResult> } {
    const kind = this.#kind()
    switch (kind) {
      case 'read': {
        const call = this.#readCall(this.#keyName())
        return { kind, run: async (target) => classifyRead(await target.call(call)) }
      }
      case 'write': {
        const call = this.writeCall(this.#keyName(), this.#value)
        return { kind, run: async (target) => classifyWrite(await target.call(call)) }
      }
      case 'multiGet': {
        const call = this.#multiGetCall()
        return { kind, run: async (target) => classify('multiGet', await target.call(call)) }
      }
      case 'cas': {
        const key = this.#keyName()
        return { kind, run: (target) => this.#cas(target, key) }
      }
    }
  }

  #keyName(): string {
    return keyName(this.#scenario, this.#keys.next())
  }

  #path(key: string): string {
    const table = encodeURIComponent(this.#scenario.table)
    return `/v1/tables/${table}/keys/${encodeURIComponent(key)}`
  }

  #readCall(key: string): HttpCall {
    return { method: 'GET', path: this.#path(key) + this.#readQuery }
  }

  writeCall(key: string, value: Uint8Array | string, headers: Record<string, string> = {}):
    HttpCall {
    const contentType = { 'content-type': 'application/octet-stream' }
    return { method: 'PUT', path: this.#path(key), headers: { ...contentType, ...headers },
      body: value }
  }

  #multiGetCall(): HttpCall {
    const keys: string[] = []
    for (let i = 0; i < this.#scenario.multiGetKeys; i++) keys.push(this.#keyName())
    const body = JSON.stringify({ keys, consistency: this.#scenario.consistency })
    return {
      method: 'POST',
      path: `/v1/tables/${encodeURIComponent(this.#scenario.table)}/multi-get`,
      headers: { 'content-type': 'application/json' },
      body,
    }
  }

  /** Read the counter, write counter+1 if the version did not move. */
  async #cas(target: HttpTarget, key: string): Promise<OperationResult> {
    const read = await target.call({ method: 'GET', path: this.#path(key), keepBody: true })
    if (read.status !== 200 && read.status !== 404) return classify('cas', read)
    const current = read.status === 200 ? Number(read.body) || 0 : 0
    const condition: Record<string, string> =
      read.status === 200 && read.etag !== null ? { 'if-match': read.etag }
        : { 'if-none-match': '*' }
    const written = await target.call(this.writeCall(key, String(current + 1), condition))
    if (written.status === 412) {
      return { kind: 'cas', ok: true, label: '412', role: null, notFound: false, conflict: true }
    }
    return classifyWrite(written, 'cas')
  }
}

function labelOf(outcome: HttpOutcome): string {
  return outcome.failure ?? String(outcome.status)
}

function classify(kind: OperationKind, outcome: HttpOutcome): OperationResult {
  const ok = outcome.status === 200
  return { kind, ok, label: labelOf(outcome), role: null, notFound: false, conflict: false }
}

function classifyRead(outcome: HttpOutcome): OperationResult {
  const notFound = outcome.status === 404
  return {
    kind: 'read',
    ok: outcome.status === 200 || notFound,
    label: labelOf(outcome),
    role: outcome.role,
    notFound,
    conflict: false,
  }
}

function classifyWrite(outcome: HttpOutcome, kind: OperationKind = 'write'): OperationResult {
  const ok = outcome.status === 200 || outcome.status === 201
  return { kind, ok, label: labelOf(outcome), role: null, notFound: false, conflict: false }
}
