// The command line: run in-process with an injected file reader and output sinks for every
// verdict and exit code (0 linearizable, 1 not, 2 unknown, 3 bad input or usage), format
// detection, and once as a real process through tsx to prove the entry point and exit status.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exitCodes, runCli, type CliIo } from './cli.ts'
import { detectFormat } from './history-format.ts'

const corpusDir = join(import.meta.dirname, '..', '..', '..', 'shared', 'lincheck-corpus')

function run(argv: string[], files: Record<string, string>) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = {
    readFile: (path) => {
      const text = files[path]
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
      return text
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  }
  const code = runCli(argv, io)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const event = (process: number, type: string, f: string, value: string | null, time: number) =>
  JSON.stringify({ process, type, f, key: 'k', value, time })

const good = [
  event(1, 'invoke', 'put', 'a', 0),
  event(1, 'ok', 'put', 'a', 1),
  event(2, 'invoke', 'get', null, 2),
  event(2, 'ok', 'get', 'a', 3),
].join('\n')
const stale = [
  good,
  event(1, 'invoke', 'put', 'b', 4),
  event(1, 'ok', 'put', 'b', 5),
  event(2, 'invoke', 'get', null, 6),
  event(2, 'ok', 'get', 'a', 7),
].join('\n')

describe('lincheck cli', () => {
  it('cli: linearizable history: prints linearizable, exits 0', () => {
    const result = run(['h.jsonl'], { 'h.jsonl': good })
    expect(result).toMatchObject({ code: exitCodes.linearizable, out: 'linearizable' })
    expect(result.err).toMatch(/checked 2 ops/)
  })
  it('cli: stale read: prints not linearizable and the window, exits 1', () => {
    const result = run(['h.jsonl', '--format', 'shoal'], { 'h.jsonl': stale })
    expect(result.code).toBe(exitCodes.notLinearizable)
    expect(result.out.split('\n')[0]).toBe('not linearizable')
    expect(result.out).toContain('key "k"')
    expect(result.out).toMatch(/#3 p2 get -> "a" +<-- cannot be linearized here/)
  })
  it('cli: budget exhausted: prints unknown and the partition, exits 2', () => {
    // 16 concurrent writes, then reads of v0, v1, v0: illegal, but only after ~1M configurations.
    const writes = Array.from({ length: 16 }, (_, i) => event(i, 'invoke', 'put', `v${i}`, 0))
    const completions = Array.from({ length: 16 }, (_, i) => event(i, 'ok', 'put', `v${i}`, 9))
    const reads = ['v0', 'v1', 'v0'].flatMap((value, i) => [
      event(99, 'invoke', 'get', null, 10 + 2 * i),
      event(99, 'ok', 'get', value, 11 + 2 * i),
    ])
    const text = [...writes, ...completions, ...reads].join('\n')
    const result = run(['h.jsonl', '--timeout-ms', '1'], { 'h.jsonl': text })
    expect(result.code).toBe(exitCodes.unknown)
    expect(result.out).toMatch(/^unknown\nkey "k": 19 ops, time budget exhausted$/)
  })
  it('cli: bad input or usage: one clear line, exits 3', () => {
    expect(run(['missing.log'], {})).toMatchObject({
      code: 3,
      err: 'lincheck: ENOENT: missing.log',
    })
    expect(run(['h'], { h: '{"process": 1}' })).toMatchObject({ code: 3 })
    expect(run(['h'], { h: '{"process": 1}' }).err).toMatch(/^lincheck: line 1: type must/)
    expect(run(['h'], { h: 'hello' }).err).toMatch(/cannot tell the format of h; use --format/)
    expect(run([], {}).err).toMatch(/FILE is missing\nusage:/)
    expect(run(['h', '--format', 'edn'], {}).code).toBe(3)
    expect(run(['h', '--timeout-ms', '-5'], {}).code).toBe(3)
    expect(run(['h', '--verbose'], {}).err).toMatch(/unknown option --verbose/)
  })
  it('cli: format detection: from the first event line', () => {
    expect(detectFormat(good)).toBe('shoal')
    expect(detectFormat('\n{:process 0, :type :invoke}')).toBe('porcupine-kv')
    expect(detectFormat('INFO  jepsen.util - 0\t:invoke\t:read\tnil')).toBe('jepsen-etcd')
    expect(detectFormat('')).toBeNull()
  })
  it('cli: as a process on a corpus history: exit status 1 and the report on stdout', () => {
    const cli = join(import.meta.dirname, 'cli.ts')
    const file = join(corpusDir, 'jepsen-etcd', 'etcd_000.log')
    const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx')
    const child = spawnSync(tsx, [cli, file, '--format', 'jepsen-etcd'], { encoding: 'utf8' })
    expect(child.status).toBe(1)
    expect(child.stdout).toMatch(/^not linearizable\nkey "etcd": /)
  })
})
