#!/usr/bin/env node
// The `shoal` bin: runs the TypeScript CLI (shared/cli/main.ts) through tsx's ESM loader.
import { register } from 'tsx/esm/api'

register()
await import('./main.ts')
