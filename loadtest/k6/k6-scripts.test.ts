// The k6 scripts cannot run here (k6 is a separate binary), so this checks what can be checked
// without it: each script parses as an ES module (`node --check`), opens the shared
// scenarios.json, names a scenario that exists in catalog.ts, imports only k6 modules or files
// that exist, and exports the `options` and default function k6 needs; and the lib builds
// k6 options with a constant-arrival-rate executor and p99 / error-rate thresholds.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scenarios } from '../scenarios/catalog.ts'

const k6Dir = import.meta.dirname
const scripts = readdirSync(k6Dir).filter((name) => name.endsWith('.js'))
const allJs = [...scripts, ...readdirSync(join(k6Dir, 'lib')).map((name) => `lib/${name}`)]

function importsOf(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!)
}

describe('k6 scripts', () => {
  it('k6 scripts: one per scenario: every catalog scenario has a script', () => {
    expect(scripts.map((name) => name.replace(/\.js$/, '')).sort()).toEqual(
      scenarios.map((s) => s.name).sort(),
    )
  })

  it.each(allJs)('k6 scripts: %s: parses as an ES module', (name) => {
    expect(() => execFileSync(process.execPath, ['--check', join(k6Dir, name)])).not.toThrow()
  })

  it.each(allJs)('k6 scripts: %s: imports only k6 modules and existing files', (name) => {
    const file = join(k6Dir, name)
    for (const target of importsOf(readFileSync(file, 'utf8'))) {
      if (target === 'k6' || target.startsWith('k6/')) continue
      expect(existsSync(resolve(dirname(file), target)), `${name} imports ${target}`).toBe(true)
    }
  })

  it.each(scripts)('k6 scripts: %s: opens the shared JSON and names its own scenario', (name) => {
    const source = readFileSync(join(k6Dir, name), 'utf8')
    const opened = [...source.matchAll(/open\('([^']+)'\)/g)].map((m) => m[1]!)
    expect(opened).toEqual(['../scenarios/scenarios.json'])
    expect(existsSync(resolve(k6Dir, opened[0]!))).toBe(true)
    const picked = /pickScenario\([^,]+,\s*'([^']+)'\)/.exec(source)?.[1]
    expect(picked).toBe(name.replace(/\.js$/, ''))
    const json = JSON.parse(readFileSync(resolve(k6Dir, opened[0]!), 'utf8')) as {
      scenarios: Record<string, unknown>
    }
    expect(Object.keys(json.scenarios)).toContain(picked)
    expect(source).toMatch(/export const options = /)
    expect(source).toMatch(/export default function/)
    expect(source).toMatch(/export function setup\(\)/)
  })

  it('k6 scripts: lib: constant-arrival-rate executor, p99 and error-rate thresholds', () => {
    const lib = readFileSync(join(k6Dir, 'lib', 'scenario.js'), 'utf8')
    expect(lib).toContain("executor: 'constant-arrival-rate'")
    expect(lib).toMatch(/http_req_duration: \[`p\(99\)</)
    expect(lib).toMatch(/http_req_failed: \[`rate</)
    expect(lib).toMatch(/checks: \[/)
  })
})
