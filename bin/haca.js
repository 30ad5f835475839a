#!/usr/bin/env node
// Which code runs: a checkout has src/ and runs the TypeScript sources through tsx's loader
// (no build step to forget while editing, and never a stale dist/ left by an earlier
// `npm pack`); an installed package ships dist/ and no src/ (package.json `files`), and runs
// the compiled JavaScript with plain Node (tsx is a development dependency, not installed there).
import { existsSync } from 'node:fs'

const sources = new URL('../src/cli/main.ts', import.meta.url)
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(sources.href)
} else {
  await import('../dist/cli/main.js')
}
