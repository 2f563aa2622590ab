/**
 * Preloaded (`node --import`) into every process the test harness spawns: when the process
 * that spawned it dies (a test runner killed at its timeout, a bench interrupted by SIGKILL),
 * the child is re-parented and would keep running, holding ports and CPU for the rest of the
 * session. It watches its parent pid once a second and then shuts itself down: SIGTERM to
 * itself (the entry point's clean shutdown), and SIGKILL if that has not ended it in 5 s.
 */
import { readFileSync } from 'node:fs'

const checkMs = 1_000
const graceMs = 5_000

/** The live parent pid: Node 20's process.ppid is read once at start-up and never changes. */
function parentPid(): number {
  try {
    // /proc/self/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
    const stat = readFileSync('/proc/self/stat', 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return process.ppid // no /proc: cannot tell, so never fire
  }
}

// The spawner's pid as the harness passed it (a parent that died before this module loaded
// is noticed too); else whoever the parent is now.
const expected = Number(process.env['SHOAL_HARNESS_PARENT_PID'] ?? '')
const startParent = Number.isInteger(expected) && expected > 0 ? expected : parentPid()
const watch = setInterval(() => {
  if (parentPid() === startParent) return
  clearInterval(watch)
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), graceMs).unref()
  process.kill(process.pid, 'SIGTERM')
}, checkMs)
watch.unref()

export {}
