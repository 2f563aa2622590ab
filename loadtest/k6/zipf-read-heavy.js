// k6: Zipf(0.99) read-heavy mix, 95% eventual reads (max staleness 1 s) and 5% writes over
// 100k keys; the most popular keys are preloaded, the long tail reads as 404 (not an error).
//   k6 run -e BASE_URL=http://127.0.0.1:8080 [-e RATE=3000 -e DURATION=30] zipf-read-heavy.js
// Scenario: loadtest/scenarios/scenarios.json "zipf-read-heavy" (shared with the Node runner).
import http from 'k6/http'
import {
  keyName, optionsFor, pickOperation, pickScenario, prepare, rankPicker, readOnce, writeOnce,
} from './lib/scenario.js'

const scenario = pickScenario(JSON.parse(open('../scenarios/scenarios.json')), 'zipf-read-heavy')
const nextRank = rankPicker(scenario.keys)

// 404 is the answer for a key never written: expected, not a failed request.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 404))

export const options = optionsFor(scenario)

export function setup() {
  prepare(scenario)
}

export default function () {
  const key = keyName(scenario, nextRank())
  if (pickOperation(scenario.mix) === 'write') writeOnce(scenario, key)
  else readOnce(scenario, key)
}
