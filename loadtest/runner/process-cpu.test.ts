// Goal: process CPU readings from /proc are real and move with work; per-request figures are
// computed from two readings. Method: this process reads itself before and after a busy loop.
import { describe, expect, it } from 'vitest'
import { cpuUsPerRequest, processCpuMs } from './process-cpu.ts'

describe('process-cpu', () => {
  it('processCpuMs: this process, before and after 150 ms of work: grows by about that', () => {
    const before = processCpuMs(process.pid)
    if (before === null) return expect(process.platform).not.toBe('linux')
    const start = Date.now()
    while (Date.now() - start < 150) Math.sqrt(Math.random())
    const after = processCpuMs(process.pid)
    expect(after).not.toBeNull()
    expect((after ?? 0) - before).toBeGreaterThanOrEqual(100)
  })

  it('processCpuMs: a pid that does not exist: null', () => {
    expect(processCpuMs(2 ** 30)).toBeNull()
  })

  it('cpuUsPerRequest: 50 ms over 1000 requests is 50 us; missing readings: null', () => {
    expect(cpuUsPerRequest(1_000, 1_050, 1_000)).toBe(50)
    expect(cpuUsPerRequest(null, 1_050, 1_000)).toBeNull()
    expect(cpuUsPerRequest(1_000, 1_050, 0)).toBeNull()
  })
})
