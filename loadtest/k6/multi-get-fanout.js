// k6: multi-get fan-out. Each arrival asks for `multiGetKeys` Zipf(0.99) keys in one
// POST .../multi-get; the gateway fans them out to the shards and coalesces repeats.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 [-e RATE=500 -e DURATION=30] multi-get-fanout.js
// Scenario: loadtest/scenarios/scenarios.json "multi-get-fanout" (shared with the Node runner).
import http from 'k6/http'
import { check } from 'k6'
import {
  baseUrl, keyName, optionsFor, pickScenario, prepare, rankPicker,
} from './lib/scenario.js'

const scenario = pickScenario(JSON.parse(open('../scenarios/scenarios.json')), 'multi-get-fanout')
const nextRank = rankPicker(scenario.keys)

export const options = optionsFor(scenario)

export function setup() {
  prepare(scenario)
}

export default function () {
  const keys = []
  for (let i = 0; i < scenario.multiGetKeys; i++) keys.push(keyName(scenario, nextRank()))
  const response = http.post(
    `${baseUrl()}/v1/tables/${encodeURIComponent(scenario.table)}/multi-get`,
    JSON.stringify({ keys, consistency: scenario.consistency }),
    { headers: { 'content-type': 'application/json' }, tags: { op: 'multiGet' } },
  )
  check(response, {
    'multi-get: 200': (r) => r.status === 200,
    'multi-get: one answer per key': (r) => {
      const body = r.json()
      return body !== null && typeof body === 'object' && 'items' in body &&
        Array.isArray(body.items) && body.items.length === keys.length
    },
  })
}
