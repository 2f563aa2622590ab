// Entry of every worker thread Shoal starts (see module-worker.ts). Under tsx or Vitest the
// worker's module is TypeScript, and neither runtime hands its loader to worker threads, so a
// `.ts` module registers tsx's ESM loader here first. Compiled JavaScript loads directly.
import { workerData } from 'node:worker_threads'

const moduleUrl = workerData.moduleUrl
if (moduleUrl.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api')
  register()
}
await import(moduleUrl)
