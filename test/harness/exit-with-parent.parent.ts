/**
 * Test fixture for exit-with-parent.test.ts: spawns a long sleeper through spawnTs, prints
 * its pid, then waits to be killed (by SIGKILL, so it cannot stop the sleeper itself).
 */
import { spawnTs } from './processes.ts'

const sleeper = spawnTs('test/harness/exit-with-parent.sleeper.ts', [])
process.stdout.write(`sleeper ${sleeper.pid}\n`)
setInterval(() => {}, 60_000)
