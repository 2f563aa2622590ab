/**
 * Starts a worker thread running an ES module of this code base, TypeScript or not (the boot
 * script registers tsx's loader for `.ts`, which tsx and Vitest do not pass to workers).
 */
import { Worker } from 'node:worker_threads'

const bootUrl = new URL('./worker-boot.mjs', import.meta.url)

/**
 * `execArgv: []`: a worker would otherwise inherit the process's flags, and with them preloads
 * (`--import x.ts`) that run before the boot script can register a loader for them.
 */
export function startModuleWorker(moduleUrl: URL, name: string): Worker {
  return new Worker(bootUrl, { workerData: { moduleUrl: moduleUrl.href }, name, execArgv: [] })
}
