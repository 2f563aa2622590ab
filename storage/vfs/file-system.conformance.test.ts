// Runs the shared FileSystem conformance suite against every implementation: the real node:fs
// one on a temp directory, the in-memory crashable one, and the fault injector with no faults.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SeededPrng } from '../../shared/random/prng.ts'
import { runFileSystemConformance } from '../../test/conformance/file-system.case.ts'
import { FaultFileSystem } from './fault-fs.ts'
import { MemFileSystem } from './mem-fs.ts'
import { NodeFileSystem } from './node-fs.ts'

runFileSystemConformance({
  name: 'node-fs',
  newFs: async () => {
    const root = mkdtempSync(join(tmpdir(), 'shoal-vfs-'))
    return {
      fs: new NodeFileSystem(),
      root,
      cleanup: async () => rmSync(root, { recursive: true, force: true }),
    }
  },
})

runFileSystemConformance({
  name: 'mem-fs',
  newFs: async () => {
    const fs = new MemFileSystem()
    await fs.mkdirp('/data')
    return { fs, root: '/data', cleanup: async () => {} }
  },
})

runFileSystemConformance({
  name: 'fault-fs (faults off) over mem-fs',
  newFs: async () => {
    const inner = new MemFileSystem()
    await inner.mkdirp('/data')
    const fs = new FaultFileSystem(inner, { prng: new SeededPrng(1) })
    return { fs, root: '/data', cleanup: async () => {} }
  },
})
