/**
 * `npx tsx loadtest/scenarios/export.ts`: writes scenarios.json (what the k6 scripts open())
 * from catalog.ts. Run it after changing the catalog; catalog.test.ts checks they agree.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { scenariosJson } from './catalog.ts'

export const scenariosJsonPath = join(import.meta.dirname, 'scenarios.json')

if (process.argv[1] !== undefined && process.argv[1].endsWith('export.ts')) {
  writeFileSync(scenariosJsonPath, scenariosJson())
  process.stdout.write(`wrote ${scenariosJsonPath}\n`)
}
