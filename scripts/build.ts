/**
 * Builds the package as it is published (`npm run build`, run by `npm pack` / `npm publish`
 * through `prepack`): tsc compiles src/ into dist/ as ES modules with `.d.ts` types
 * (tsconfig.build.json rewrites the sources' `.ts` import extensions to `.js`), then the files
 * that code loads at run time beside itself (worker `.mjs` files opened with
 * `new URL('./x.mjs', import.meta.url)`, JSON or WebAssembly read the same way) are copied to
 * the same place under dist/. A checkout needs none of this: `./haca` runs the sources.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const SRC = join(ROOT, 'src')
const DIST = join(ROOT, 'dist')
/** Run-time assets: what code under src reads beside itself. Sources, tests and READMEs are not. */
const ASSET = /\.(mjs|cjs|json|wasm)$/

function* assets(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* assets(path)
    else if (ASSET.test(entry.name) && !/\.test\./.test(entry.name)) yield path
  }
}

const started = performance.now()
rmSync(DIST, { recursive: true, force: true })
execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' })
let copied = 0
for (const file of assets(SRC)) {
  const target = join(DIST, relative(SRC, file))
  mkdirSync(dirname(target), { recursive: true })
  copyFileSync(file, target)
  copied++
}
process.stderr.write(`build: dist/ written (tsc, ${copied} run-time assets copied) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
