import { defineConfig } from 'vitest/config'

// Tests sit beside their code (x.ts + x.test.ts); cross-cutting suites live in test/.
export default defineConfig({
  test: {
    include: ['{gateway,storage,shared,test,loadtest}/**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
})
