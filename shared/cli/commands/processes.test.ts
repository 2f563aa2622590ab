// Child exit codes: what `shoal storage|gateway|bench` exit with after their child ends.
import { describe, expect, it } from 'vitest'
import { exitCodeOf } from './processes.ts'

describe('processes', () => {
  it('exit code: the child exited: its code', () => {
    expect(exitCodeOf(0, null)).toBe(0)
    expect(exitCodeOf(2, null)).toBe(2)
  })
  it('exit code: a signal ended the child: 128 + its number', () => {
    expect(exitCodeOf(null, 'SIGINT')).toBe(130)
    expect(exitCodeOf(null, 'SIGKILL')).toBe(137)
  })
})
