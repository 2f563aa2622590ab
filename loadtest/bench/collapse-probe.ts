/**
 * The stale-after-ack probe of the collapse bench, against live systems: per round, a read
 * through the system (so a cache holds the current value), a write of a new value through the
 * Shoal gateway that must be acknowledged, then at once a read through the system, classified
 * by StaleProbeTally. Each system gets its own key, so one system's reads never warm another's.
 */
import { HttpTarget, type HttpCall } from '../runner/http-target.ts'
import { StaleProbeTally, type ProbeCounts } from './stale-probe.ts'

export interface ProbeSubject {
  /** Base URL reads go through (a Shoal gateway, Varnish or nginx). */
  readonly readUrl: string
  /** Query string of the reads, e.g. `?consistency=strong`. */
  readonly readQuery: string
  /** Key of this subject (distinct per subject). */
  readonly key: string
}

export interface ProbeOptions {
  /** The Shoal gateway writes go through. */
  readonly writeUrl: string
  readonly table: string
  readonly rounds: number
}

function keyPath(table: string, key: string): string {
  return `/v1/tables/${encodeURIComponent(table)}/keys/${encodeURIComponent(key)}`
}

export async function probeStaleAfterAck(
  subject: ProbeSubject,
  options: ProbeOptions,
): Promise<ProbeCounts> {
  const writer = new HttpTarget(options.writeUrl, { sockets: 1 })
  const reader = new HttpTarget(subject.readUrl, { sockets: 1 })
  const path = keyPath(options.table, subject.key)
  const read: HttpCall = { method: 'GET', path: path + subject.readQuery, keepBody: true }
  const write = async (value: string): Promise<void> => {
    const outcome = await writer.call({
      method: 'PUT',
      path,
      body: value,
      headers: { 'content-type': 'application/octet-stream' },
    })
    if (outcome.status !== 200 && outcome.status !== 201) {
      throw new Error(`probe write of ${subject.key} failed: ${outcome.failure ?? outcome.status}`)
    }
  }
  try {
    const tally = new StaleProbeTally(`${subject.key}-0`)
    await write(tally.expected)
    for (let round = 1; round <= options.rounds; round++) {
      await reader.call(read)
      const value = `${subject.key}-${round}`
      await write(value)
      tally.acknowledged(value)
      const outcome = await reader.call(read)
      tally.observed(outcome.status, outcome.body)
    }
    return tally.counts()
  } finally {
    writer.close()
    reader.close()
  }
}
