// k6: write-heavy background (80% writes of 1 KiB, uniform over 50k keys) with 20% strong
// reads, whose latency is the figure of interest (tail under memtable flush and compaction):
// filter the summary by tag, e.g. thresholds on http_req_duration{op:read}.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 [-e RATE=2000 -e DURATION=60] write-heavy.js
// Scenario: loadtest/scenarios/scenarios.json "write-heavy" (shared with the Node runner).
import http from 'k6/http'
import {
  keyName, optionsFor, pickOperation, pickScenario, prepare, rankPicker, readOnce, writeOnce,
} from './lib/scenario.js'

const scenario = pickScenario(JSON.parse(open('../scenarios/scenarios.json')), 'write-heavy')
const nextRank = rankPicker(scenario.keys)

http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 404))

const base = optionsFor(scenario)
export const options = Object.assign({}, base, {
  thresholds: Object.assign({}, base.thresholds, {
    'http_req_duration{op:read}': [`p(99)<${scenario.thresholds.p99Ms}`],
  }),
})

export function setup() {
  prepare(scenario)
}

export default function () {
  const key = keyName(scenario, nextRank())
  if (pickOperation(scenario.mix) === 'read') readOnce(scenario, key)
  else writeOnce(scenario, key)
}
