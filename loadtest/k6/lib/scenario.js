// Shared by the k6 scripts in loadtest/k6/: turns one scenario of the shared description
// (loadtest/scenarios/scenarios.json, written from catalog.ts) into k6 `options` and into the
// requests of one iteration. Plain JavaScript with JSDoc types (k6 runs JS; @types/k6 is not a
// dependency here). Key choice mirrors loadtest/scenarios/key-picker.ts: hot, uniform, or
// Zipf(s) by inverse CDF over N ranks; rank 0 is the most popular key.
import http from 'k6/http'
import { check } from 'k6'
import { Counter, Rate } from 'k6/metrics'

/**
 * @typedef {{ kind: 'hot', key: string } | { kind: 'zipf', s: number, keys: number }
 *   | { kind: 'uniform', keys: number }} KeyDistribution
 * @typedef {{ read: number, write: number, multiGet: number, cas: number }} OperationMix
 * @typedef {{
 *   name: string, description: string, ratePerSec: number, durationSec: number,
 *   maxInFlight: number, table: string, keyPrefix: string, keys: KeyDistribution,
 *   mix: OperationMix, consistency: 'strong' | 'eventual', maxStalenessMs?: number,
 *   multiGetKeys: number, valueBytes: number, preload: number,
 *   thresholds: { p99Ms: number, errorRate: number }
 * }} Scenario
 */

/** Share of single reads that sent a backend read (X-Shoal-Coalesced: leader). */
export const backendReads = new Rate('shoal_backend_reads_per_client_read')
/** CAS writes refused with 412 because another client won the race. */
export const casConflicts = new Counter('shoal_cas_conflicts')

/**
 * The scenario `name` from the parsed scenarios.json, with RATE / DURATION overrides from
 * the environment (k6 run -e RATE=500 -e DURATION=10).
 * @param {{ scenarios: Record<string, Scenario> }} all
 * @param {string} name
 * @returns {Scenario}
 */
export function pickScenario(all, name) {
  const scenario = all.scenarios[name]
  if (scenario === undefined) throw new Error(`no scenario ${name} in scenarios.json`)
  const rate = Number(__ENV.RATE || scenario.ratePerSec)
  const duration = Number(__ENV.DURATION || scenario.durationSec)
  return Object.assign({}, scenario, { ratePerSec: rate, durationSec: duration })
}

/** @returns {string} the gateway's base URL (-e BASE_URL=...). */
export function baseUrl() {
  return (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '')
}

/**
 * k6 options for a scenario: one constant-arrival-rate executor (open model), thresholds on
 * p99 and on the error rate, and checks that must hold.
 * @param {Scenario} scenario
 */
export function optionsFor(scenario) {
  return {
    scenarios: {
      [scenario.name]: {
        executor: 'constant-arrival-rate',
        rate: scenario.ratePerSec,
        timeUnit: '1s',
        duration: `${scenario.durationSec}s`,
        preAllocatedVUs: Math.min(scenario.maxInFlight, 100),
        maxVUs: scenario.maxInFlight,
      },
    },
    thresholds: {
      http_req_duration: [`p(99)<${scenario.thresholds.p99Ms}`],
      http_req_failed: [`rate<${scenario.thresholds.errorRate}`],
      checks: [`rate>${1 - scenario.thresholds.errorRate}`],
      dropped_iterations: [`count<${Math.ceil(scenario.ratePerSec * scenario.durationSec *
        scenario.thresholds.errorRate) + 1}`],
    },
  }
}

/**
 * Cumulative Zipf(s) weights over n ranks, normalised to end at 1.
 * @param {number} s
 * @param {number} n
 * @returns {Float64Array}
 */
export function zipfCdf(s, n) {
  const cdf = new Float64Array(n)
  let sum = 0
  for (let rank = 1; rank <= n; rank++) {
    sum += 1 / Math.pow(rank, s)
    cdf[rank - 1] = sum
  }
  for (let i = 0; i < n; i++) cdf[i] = cdf[i] / sum
  return cdf
}

/**
 * A function drawing 0-based key ranks for the scenario's distribution.
 * @param {KeyDistribution} keys
 * @returns {() => number}
 */
export function rankPicker(keys) {
  if (keys.kind === 'hot') return () => 0
  if (keys.kind === 'uniform') return () => Math.floor(Math.random() * keys.keys)
  const cdf = zipfCdf(keys.s, keys.keys)
  return () => {
    const u = Math.random()
    let lo = 0
    let hi = cdf.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid] >= u) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

/**
 * @param {Scenario} scenario
 * @param {number} rank
 */
export function keyName(scenario, rank) {
  return scenario.keys.kind === 'hot' ? scenario.keys.key : `${scenario.keyPrefix}${rank}`
}

/**
 * @param {Scenario} scenario
 * @param {string} key
 */
export function itemUrl(scenario, key) {
  return `${baseUrl()}/v1/tables/${encodeURIComponent(scenario.table)}/keys/` +
    encodeURIComponent(key)
}

/**
 * setup(): creates the table (409 = it exists) and writes the `preload` most popular keys.
 * @param {Scenario} scenario
 */
export function prepare(scenario) {
  const table = http.put(`${baseUrl()}/v1/tables/${encodeURIComponent(scenario.table)}`,
    JSON.stringify({ maxVersions: 1 }), { headers: { 'content-type': 'application/json' } })
  check(table, { 'table ready': (r) => r.status === 201 || r.status === 200 ||
    r.status === 409 })
  const value = scenario.mix.cas > 0 ? '0' : 'v'.repeat(scenario.valueBytes)
  const count = scenario.keys.kind === 'hot' ? 1 : Math.min(scenario.preload, scenario.keys.keys)
  const batchSize = 50
  for (let start = 0; start < count; start += batchSize) {
    const requests = []
    for (let rank = start; rank < Math.min(count, start + batchSize); rank++) {
      requests.push(['PUT', itemUrl(scenario, keyName(scenario, rank)), value,
        { headers: { 'content-type': 'application/octet-stream' } }])
    }
    for (const r of http.batch(requests)) check(r, { 'preload written': (x) => x.status < 300 })
  }
}

/**
 * One single-key read, with its checks and the backend-read share.
 * @param {Scenario} scenario
 * @param {string} key
 */
export function readOnce(scenario, key) {
  const staleness = scenario.maxStalenessMs === undefined ? ''
    : `&maxStalenessMs=${scenario.maxStalenessMs}`
  const response = http.get(`${itemUrl(scenario, key)}?consistency=${scenario.consistency}` +
    staleness, { tags: { op: 'read' } })
  check(response, { 'read: 200 or 404': (r) => r.status === 200 || r.status === 404 })
  backendReads.add(response.headers['X-Shoal-Coalesced'] === 'leader')
  return response
}

/**
 * @param {Scenario} scenario
 * @param {string} key
 */
export function writeOnce(scenario, key) {
  const response = http.put(itemUrl(scenario, key), 'v'.repeat(scenario.valueBytes),
    { headers: { 'content-type': 'application/octet-stream' }, tags: { op: 'write' } })
  check(response, { 'write: 200 or 201': (r) => r.status === 200 || r.status === 201 })
  return response
}

/**
 * Draws an operation kind in proportion to the mix.
 * @param {OperationMix} mix
 * @returns {'read' | 'write' | 'multiGet' | 'cas'}
 */
export function pickOperation(mix) {
  const total = mix.read + mix.write + mix.multiGet + mix.cas
  let u = Math.random() * total
  for (const kind of /** @type {const} */ (['read', 'write', 'multiGet', 'cas'])) {
    u -= mix[kind]
    if (u < 0) return kind
  }
  return 'read'
}
