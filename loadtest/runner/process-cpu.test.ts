// Goal: process CPU readings from /proc are real and move with work; per-request figures are
// computed from two readings. Method: this process reads itself before and after a busy loop.
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { cpuUsPerRequest, processCpuMs, processTreeCpuMs } from './process-cpu.ts'

describe('process-cpu', () => {
  it('processCpuMs: this process, before and after 150 ms of work: grows by about that', () => {
    const before = processCpuMs(process.pid)
    if (before === null) return expect(process.platform).not.toBe('linux')
    // 150 ms of this process's own CPU time, however busy the machine is (not wall time).
    const start = process.cpuUsage()
    while (process.cpuUsage(start).user < 150_000) Math.sqrt(Math.random())
    const after = processCpuMs(process.pid)
    expect(after).not.toBeNull()
    expect((after ?? 0) - before).toBeGreaterThanOrEqual(100)
  })

  it('processCpuMs: a pid that does not exist: null', () => {
    expect(processCpuMs(2 ** 30)).toBeNull()
  })

  it('processTreeCpuMs: a busy child counts for its parent; a gone pid: null', async () => {
    if (processCpuMs(process.pid) === null) return expect(process.platform).not.toBe('linux')
    // The child burns 300 ms of its own CPU time (however busy the machine is), says so, waits.
    const burn =
      'while (process.cpuUsage().user < 300000) Math.sqrt(Math.random());' +
      'process.stdout.write("burnt\\n"); setTimeout(() => {}, 30000)'
    const child = spawn(process.execPath, ['-e', burn], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await new Promise((resolve) => child.stdout.once('data', resolve))
      const own = processCpuMs(process.pid) ?? 0
      const tree = processTreeCpuMs(process.pid) ?? 0
      expect(tree - own).toBeGreaterThanOrEqual(280) // /proc counts in 10 ms ticks
    } finally {
      child.kill('SIGKILL')
    }
    expect(processTreeCpuMs(2 ** 30)).toBeNull()
  }, 20_000)

  it('cpuUsPerRequest: 50 ms over 1000 requests is 50 us; missing readings: null', () => {
    expect(cpuUsPerRequest(1_000, 1_050, 1_000)).toBe(50)
    expect(cpuUsPerRequest(null, 1_050, 1_000)).toBeNull()
    expect(cpuUsPerRequest(1_000, 1_050, 0)).toBeNull()
  })
})
