// The three history formats: each parses its documented examples to the expected operations,
// pairs invokes with completions per process (pending ones become unknown), and rejects bad
// input with a typed error naming the line.
import { describe, expect, it } from 'vitest'
import { isShoalError } from '../../shared/errors.ts'
import { SeededPrng } from '../../shared/random/prng.ts'
import { generateLinearizableHistory } from './generate.ts'
import { formatShoalHistory, parseShoalHistory } from './history.ts'
import type { Operation } from './operation.ts'
import { parseJepsenEtcdHistory } from './jepsen-etcd.ts'
import { parsePorcupineKvHistory } from './porcupine-kv.ts'

const lines = (...events: object[]) => events.map((e) => JSON.stringify(e)).join('\n')

function errorOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(isShoalError(error, 'bad-request')).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected a bad-request error')
}

describe('shoal format', () => {
  it('shoal: documented example: paired into put, failed cas and get', () => {
    const text = lines(
      { process: 3, type: 'invoke', f: 'put', key: 't/k1', value: 'p3-17', time: 12.5 },
      { process: 3, type: 'ok', f: 'put', key: 't/k1', value: 'p3-17', time: 14 },
      {
        process: 4,
        type: 'invoke',
        f: 'cas',
        key: 't/k1',
        expected: 'p3-17',
        value: 'p4-2',
        time: 15,
      },
      { process: 5, type: 'invoke', f: 'get', key: 't/k1', value: null, time: 15.5 },
      {
        process: 4,
        type: 'fail',
        f: 'cas',
        key: 't/k1',
        expected: 'p3-17',
        value: 'p4-2',
        time: 16,
      },
      { process: 5, type: 'ok', f: 'get', key: 't/k1', value: 'p3-17', time: 18 },
    )
    const { ops, initialValue } = parseShoalHistory(text + '\n\n')
    expect(initialValue).toBeNull()
    expect(ops).toEqual([
      {
        id: 0,
        process: '3',
        f: 'put',
        key: 't/k1',
        value: 'p3-17',
        expected: null,
        outcome: 'ok',
        callMs: 12.5,
        returnMs: 14,
      },
      {
        id: 1,
        process: '4',
        f: 'cas',
        key: 't/k1',
        value: 'p4-2',
        expected: 'p3-17',
        outcome: 'fail',
        callMs: 15,
        returnMs: 16,
      },
      {
        id: 2,
        process: '5',
        f: 'get',
        key: 't/k1',
        value: 'p3-17',
        expected: null,
        outcome: 'ok',
        callMs: 15.5,
        returnMs: 18,
      },
    ])
  })
  it('shoal: info completion and a pending invoke: unknown outcomes returning at infinity', () => {
    const text = lines(
      { process: 'a', type: 'invoke', f: 'delete', key: 'k', time: 1 },
      { process: 'a', type: 'info', f: 'delete', key: 'k', time: 2 },
      { process: 'b', type: 'invoke', f: 'put', key: 'k', value: 'v', time: 3 },
    )
    const { ops } = parseShoalHistory(text)
    expect(ops.map((op) => [op.f, op.outcome, op.returnMs])).toEqual([
      ['delete', 'unknown', Infinity],
      ['put', 'unknown', Infinity],
    ])
  })
  it('shoal: bad input: typed error naming the line and the problem', () => {
    const invoke = { process: 1, type: 'invoke', f: 'put', key: 'k', value: 'v', time: 1 }
    expect(errorOf(() => parseShoalHistory('{oops'))).toBe('line 1: not valid JSON')
    expect(
      errorOf(() => parseShoalHistory(lines(invoke, { ...invoke, type: 'ok', f: 'get' }))),
    ).toMatch(/^line 2: completion does not match the invoke on line 1/)
    expect(errorOf(() => parseShoalHistory(lines(invoke, invoke)))).toMatch(/^line 2: .*in flight/)
    expect(errorOf(() => parseShoalHistory(lines({ ...invoke, type: 'ok' })))).toMatch(
      /^line 1: .*no call/,
    )
    expect(errorOf(() => parseShoalHistory(lines({ ...invoke, time: 'x' })))).toMatch(/time/)
    expect(errorOf(() => parseShoalHistory(lines({ ...invoke, f: 'incr' })))).toMatch(
      /^line 1: f must/,
    )
    expect(errorOf(() => parseShoalHistory(lines({ ...invoke, value: 3 })))).toMatch(/value must/)
    expect(errorOf(() => parseShoalHistory(lines({ ...invoke, f: 'cas' })))).toMatch(/expected/)
    expect(errorOf(() => parseShoalHistory(lines(invoke, { ...invoke, time: 0 })))).toMatch(
      /backwards/,
    )
    expect(errorOf(() => parseShoalHistory('[1]'))).toMatch(/JSON object/)
  })
})

describe('jepsen-etcd format', () => {
  it('jepsen-etcd: reads, writes, cas and timeouts: paired as the checker expects', () => {
    const text = [
      'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
      'INFO  jepsen.util - 0\t:ok\t:read\tnil',
      'INFO  jepsen.util - 1\t:invoke\t:cas\t[3 0]',
      'INFO  jepsen.util - 2\t:invoke\t:write\t4',
      'INFO  jepsen.core - something else entirely',
      'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
      'INFO  jepsen.util - 1\t:fail\t:cas\t[3 0]',
      'INFO  jepsen.util - 2\t:info\t:write\t:timed-out',
      'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
      'INFO  jepsen.util - 0\t:fail\t:read\t:timed-out',
    ].join('\n')
    const { ops } = parseJepsenEtcdHistory(text)
    expect(
      ops.map((op) => [op.f, op.key, op.value, op.expected, op.outcome, op.callMs, op.returnMs]),
    ).toEqual([
      ['get', 'etcd', null, null, 'ok', 1, 2],
      ['cas', 'etcd', '0', '3', 'fail', 3, 7],
      ['put', 'etcd', '4', null, 'unknown', 4, Infinity],
      ['get', 'etcd', null, null, 'fail', 9, 10],
    ])
  })
  it('jepsen-etcd: unknown function or malformed argument: typed error naming the line', () => {
    expect(
      errorOf(() => parseJepsenEtcdHistory('INFO  jepsen.util - 0\t:invoke\t:incr\t1')),
    ).toMatch(/^line 1: unknown jepsen function :incr/)
    expect(
      errorOf(() => parseJepsenEtcdHistory('\nINFO  jepsen.util - 0\t:invoke\t:cas\t[1]')),
    ).toMatch(/^line 2: cas wants/)
    expect(
      errorOf(() => parseJepsenEtcdHistory('INFO  jepsen.util - 0\t:invoke\t:write\tx')),
    ).toMatch(/integer or nil/)
  })
})

describe('porcupine-kv format', () => {
  it('porcupine-kv: get, put and append: paired, starting from the empty string', () => {
    const text = [
      '{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}',
      '{:process 1, :type :invoke, :f :get, :key "4", :value nil}',
      '{:process 0, :type :ok, :f :append, :key "4", :value "x 0 1 y"}',
      '{:process 1, :type :ok, :f :get, :key "4", :value "x 0 1 y"}',
      '{:process 2, :type :invoke, :f :put, :key "a\\"b", :value "v"}',
    ].join('\n')
    const { ops, initialValue } = parsePorcupineKvHistory(text)
    expect(initialValue).toBe('')
    expect(ops.map((op) => [op.f, op.key, op.value, op.outcome, op.callMs, op.returnMs])).toEqual([
      ['append', '4', 'x 0 1 y', 'ok', 1, 3],
      ['get', '4', 'x 0 1 y', 'ok', 2, 4],
      ['put', 'a"b', 'v', 'unknown', 5, Infinity],
    ])
  })
  it('porcupine-kv: a line that is not an event: typed error naming the line', () => {
    expect(errorOf(() => parsePorcupineKvHistory('{:process 0, :type :invoke}'))).toMatch(
      /^line 1: not a porcupine kv event/,
    )
  })
})

describe('shoal format writer', () => {
  it('shoal: generated histories: written and parsed back to the same operations', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const options = { ops: 300, keys: 3, clients: 4, unknownRate: 0.05, hotKeyShare: 0.2 }
      const ops = generateLinearizableHistory(options, new SeededPrng(seed))
      const parsed = parseShoalHistory(formatShoalHistory(ops)).ops
      const normal = (list: Operation[]) =>
        list
          .map(({ id: _id, ...op }) => ({
            ...op,
            returnMs: op.outcome === 'unknown' ? Infinity : op.returnMs,
          }))
          .sort((a, b) => a.callMs - b.callMs || a.process.localeCompare(b.process))
      expect(normal(parsed)).toEqual(normal(ops))
    }
  })
})
