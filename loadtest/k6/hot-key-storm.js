// k6: hot-key read storm. Every arrival reads the same key (strong by default), at a constant
// arrival rate, so the gateway's coalescing is what keeps the backend and the tail in check.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 [-e RATE=5000 -e DURATION=30] hot-key-storm.js
// Scenario: loadtest/scenarios/scenarios.json "hot-key-storm" (shared with the Node runner).
import { keyName, optionsFor, pickScenario, prepare, readOnce } from './lib/scenario.js'

const scenario = pickScenario(JSON.parse(open('../scenarios/scenarios.json')), 'hot-key-storm')

export const options = optionsFor(scenario)

export function setup() {
  prepare(scenario)
}

export default function () {
  readOnce(scenario, keyName(scenario, 0))
}
