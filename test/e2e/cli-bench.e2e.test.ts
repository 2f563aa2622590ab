// `shoal bench`: wraps loadtest/bench.ts as a child process. Method: run the real quick RPC
// bench once with --json (every stdout line must be the bench's JSON, exit 0) and an unknown
// bench name (the bench's usage and exit code 2 come through, no summary).
import { describe, expect, it } from 'vitest'
import { runCli } from './cli.test-helper.ts'

describe('cli bench e2e', () => {
  it('cli bench: --json rpc --quick: JSON lines only, exit 0', async () => {
    const run = await runCli(['--json', 'bench', 'rpc', '--quick'], { timeoutMs: 60_000 })
    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(2)
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ bench: 'rpc' })
    expect(run.stderr).not.toContain('\r') // no progress bar when not on a terminal
  }, 70_000)
  it('cli bench: unknown bench: its usage, its exit code 2, no summary', async () => {
    const run = await runCli(['bench', 'no-such-bench'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/usage: npm run bench -- <lsm\|/)
    expect(run.stdout).toBe('')
  })
})
