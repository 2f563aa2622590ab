/**
 * The chaos workload: concurrent clients in the test process issue random put / strong get /
 * CAS / delete over a few keys of one table through the gateway, recording each call's invoke
 * and completion on one monotonic clock (performance.now) as checker `Operation`s. Outcomes:
 * a 2xx is ok; a CAS 412 is fail; another 4xx (but 408 and 429) is fail, nothing applied — a
 * delete 404 too: deleting an absent key answers 204, so 404 means the table was not found;
 * any other error on a write (timeout, reset, 5xx, 429) is unknown, after which the client
 * continues as a new process; a read that fails is dropped (it constrains nothing).
 * Values are unique (`c<client>:<seq>`), so a version read maps to exactly one value and a CAS
 * on a version is a CAS on that value.
 */
import { ShoalHttpError, type ShoalClient } from '../../shared/client/shoal-client.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import type { Operation, OpFunction, Outcome, Value } from '../lincheck/operation.ts'

export interface WorkloadOptions {
  /** Client c talks to gateway c mod the number of gateways. */
  readonly gateways: readonly ShoalClient[]
  readonly table: string
  readonly keys: number
  readonly clients: number
  readonly seed: number
  /** Stop issuing new calls once this returns true. */
  readonly stopped: () => boolean
  /** Ops per client at most (a bound on the loop whatever the clock does). */
  readonly opsPerClientMax: number
  /** Weights of get, put, cas, delete. */
  readonly mix?: readonly [number, number, number, number]
}

export interface WorkloadResult {
  readonly ops: Operation[]
  /** Acknowledged writes: key → values whose put or cas returned ok. */
  readonly acknowledged: Map<string, Set<string>>
}

interface Recorder {
  ops: Operation[]
  acknowledged: Map<string, Set<string>>
}

const decoder = new TextDecoder()

export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const recorder: Recorder = { ops: [], acknowledged: new Map() }
  const clients = Array.from({ length: options.clients }, (_, c) => runClient(options, c, recorder))
  await Promise.all(clients)
  return recorder
}

function pickFunction(prng: SeededPrng, mix: readonly number[]): OpFunction {
  const total = mix.reduce((a, b) => a + b, 0)
  let roll = prng.intInclusive(0, total - 1)
  const names: OpFunction[] = ['get', 'put', 'cas', 'delete']
  for (let i = 0; i < names.length; i++) {
    roll -= mix[i]!
    if (roll < 0) return names[i]!
  }
  return 'get'
}

async function runClient(options: WorkloadOptions, c: number, rec: Recorder): Promise<void> {
  const prng = new SeededPrng(options.seed * 1000 + c + 1)
  const mix = options.mix ?? [4, 3, 2, 1]
  let incarnation = 0
  const lastRead = new Map<string, { value: Value; version: number }>()
  const client = options.gateways[c % options.gateways.length]!
  for (let seq = 0; seq < options.opsPerClientMax && !options.stopped(); seq++) {
    const key = `k${prng.intInclusive(0, options.keys - 1)}`
    const f = pickFunction(prng, mix)
    const process = `${c}.${incarnation}`
    const value = f === 'get' || f === 'delete' ? null : `c${c}:${seq}`
    const seen = lastRead.get(key) ?? { value: null, version: 0 }
    const expected = f === 'cas' ? seen.value : null
    const callMs = performance.now()
    let outcome: Outcome = 'ok'
    let read: Value = null
    try {
      if (f === 'get') {
        const item = await client.get(options.table, key, { consistency: 'strong' })
        read = item === null ? null : decoder.decode(item.value)
        lastRead.set(key, { value: read, version: item?.version ?? 0 })
      } else if (f === 'put') {
        await client.put(options.table, key, value!)
      } else if (f === 'cas') {
        await client.put(
          options.table,
          key,
          value!,
          seen.value === null ? { ifNoneMatch: true } : { ifMatch: seen.version },
        )
      } else {
        await client.delete(options.table, key)
      }
    } catch (error) {
      outcome = classify(f, error)
      if (outcome === 'unknown') incarnation++
    }
    const returnMs = performance.now()
    if (f === 'get' && outcome !== 'ok') continue
    rec.ops.push({
      id: rec.ops.length,
      process,
      f,
      key: `${options.table}/${key}`,
      value: f === 'get' ? read : value,
      expected,
      outcome,
      callMs,
      returnMs,
    })
    if (outcome === 'ok' && (f === 'put' || f === 'cas')) {
      const set = rec.acknowledged.get(key) ?? new Set<string>()
      set.add(value!)
      rec.acknowledged.set(key, set)
    }
  }
}

function classify(f: OpFunction, error: unknown): Outcome {
  if (error instanceof ShoalHttpError) {
    if (f === 'cas' && error.status === 412) return 'fail'
    if (error.status >= 400 && error.status < 500 && error.status !== 429 && error.status !== 408)
      return 'fail'
  }
  return 'unknown'
}
