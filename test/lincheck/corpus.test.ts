// The external corpus (../shared/lincheck-corpus/): real Jepsen etcd histories and Porcupine's
// multi-key kv histories, recorded and judged by others. The checker must agree with every
// verdict in their VERDICTS.txt files, each within seconds; the files are read from the shared
// directory at test time, so a new file there is checked without touching this test.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkHistory } from './check-history.ts'
import type { ParsedHistory } from './history.ts'
import { parseJepsenEtcdHistory } from './jepsen-etcd.ts'
import { parsePorcupineKvHistory } from './porcupine-kv.ts'

const corpusDir = join(import.meta.dirname, '..', '..', '..', 'shared', 'lincheck-corpus')
/** Each history is small; the slowest (etcd_002) takes about half a second on one core. */
const historyTimeoutMs = 10_000

function verdicts(subdir: string): Array<[string, string]> {
  const text = readFileSync(join(corpusDir, subdir, 'VERDICTS.txt'), 'utf8')
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [file, verdict] = line.trim().split(/\s+/)
      return [file!, verdict!]
    })
}

const suites: Array<[string, (text: string) => ParsedHistory]> = [
  ['jepsen-etcd', parseJepsenEtcdHistory],
  ['kv', parsePorcupineKvHistory],
]

describe('lincheck corpus', () => {
  for (const [subdir, parse] of suites) {
    const cases = verdicts(subdir)
    it(`corpus: ${subdir}: has cases with both verdicts`, () => {
      const kinds = new Set(cases.map(([, verdict]) => verdict))
      expect([...kinds].sort()).toEqual(['linearizable', 'not-linearizable'])
    })
    for (const [file, expected] of cases) {
      it(`corpus: ${subdir}/${file}: ${expected}`, () => {
        const history = parse(readFileSync(join(corpusDir, subdir, file), 'utf8'))
        const result = checkHistory(history.ops, {
          initialValue: history.initialValue,
          timeoutMs: historyTimeoutMs,
        })
        expect(result.verdict).toBe(expected)
        if (expected === 'not-linearizable')
          expect(result.violations[0]!.window.length).toBeGreaterThan(0)
      })
    }
  }
})
