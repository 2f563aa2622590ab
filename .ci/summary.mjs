// Prints the plain "N passed, N failed" line from Vitest's JSON report.
import { readFileSync } from 'node:fs'

const path = process.argv[2]
try {
  const report = JSON.parse(readFileSync(path, 'utf8'))
  const passed = report.numPassedTests ?? 0
  const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0)
  const skipped = report.numPendingTests ?? 0
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
} catch {
  console.log('0 passed, 1 failed')
}
