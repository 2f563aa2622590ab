/**
 * CPU time a process has used (user + system, ms) from Linux's /proc/<pid>/stat, for benches on
 * a shared machine: a server's CPU per request does not depend on how much of its core other
 * work took during the run, so a ratio of CPU per request compares two servers' capacity on a
 * core even when their req/s were measured at different moments of a varying load. Null where
 * /proc is missing or the process is gone.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const ticksPerSec = 100

export function processCpuMs(pid: number): number | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // Fields after the command (which may hold spaces) in parentheses: state is field 3,
  // utime field 14 and stime field 15 (1-based), so 11 and 12 after the closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null
  return ((utime + stime) * 1_000) / ticksPerSec
}

/**
 * CPU time (ms) of `pid` and every live process descended from it (Varnish's and nginx's
 * workers are children of the pid the bench holds), or null when `pid` is gone.
 */
export function processTreeCpuMs(pid: number): number | null {
  const root = processCpuMs(pid)
  if (root === null) return null
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue
    const parent = parentPid(Number(name))
    if (parent === null) continue
    const list = children.get(parent)
    if (list === undefined) children.set(parent, [Number(name)])
    else list.push(Number(name))
  }
  let total = root
  const queue = [...(children.get(pid) ?? [])]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    total += processCpuMs(next) ?? 0 // a child that exited meanwhile counts nothing
    queue.push(...(children.get(next) ?? []))
  }
  return total
}

function parentPid(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // ppid is field 4 (1-based): the second field after the command's closing parenthesis.
    const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1])
    return Number.isInteger(ppid) ? ppid : null
  } catch {
    return null // exited between the directory listing and the read
  }
}

/** CPU µs per request of `pid` between two readings, or null when either is missing. */
export function cpuUsPerRequest(
  beforeMs: number | null,
  afterMs: number | null,
  requests: number,
): number | null {
  if (beforeMs === null || afterMs === null || requests === 0) return null
  return Math.round(((afterMs - beforeMs) * 1_000) / requests)
}
