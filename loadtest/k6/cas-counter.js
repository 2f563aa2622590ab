// k6: CAS counter contention. Each arrival reads one of a few counters and writes value+1
// with If-Match on the version it read; a 412 means another client won the race (counted in
// shoal_cas_conflicts, expected, not a failure). Shows the cost of optimistic concurrency.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 [-e RATE=300 -e DURATION=30] cas-counter.js
// Scenario: loadtest/scenarios/scenarios.json "cas-counter" (shared with the Node runner).
import http from 'k6/http'
import { check } from 'k6'
import {
  casConflicts, itemUrl, keyName, optionsFor, pickScenario, prepare, rankPicker,
} from './lib/scenario.js'

const scenario = pickScenario(JSON.parse(open('../scenarios/scenarios.json')), 'cas-counter')
const nextRank = rankPicker(scenario.keys)

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 404, 412))

export const options = optionsFor(scenario)

export function setup() {
  prepare(scenario)
}

export default function () {
  const url = itemUrl(scenario, keyName(scenario, nextRank()))
  const read = http.get(url, { tags: { op: 'cas-read' } })
  check(read, { 'cas read: 200 or 404': (r) => r.status === 200 || r.status === 404 })
  const current = read.status === 200 ? Number(read.body) || 0 : 0
  const condition = read.status === 200 ? { 'if-match': read.headers['Etag'] }
    : { 'if-none-match': '*' }
  const written = http.put(url, String(current + 1), {
    headers: Object.assign({ 'content-type': 'text/plain' }, condition),
    tags: { op: 'cas-write' },
  })
  check(written, { 'cas write: 2xx or 412': (r) => r.status < 300 || r.status === 412 })
  if (written.status === 412) casConflicts.add(1)
}
