/**
 * The ledger's module boundaries, checked on the source: a module reaches another only through
 * the interfaces of its expectedKeepers.ts (wired in modules.ts), and each pool of funds is
 * named only by the module that owns it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { posix } from 'node:path'

const ROOT = new URL('./', import.meta.url)
const MODULES = ['accounts', 'models', 'registry', 'payments', 'settlement'] as const
/** Files that hold or touch a module's state: never imported by another module. */
const PRIVATE_FILES = ['keeper.ts', 'keys.ts', 'msgServer.ts', 'module.ts', 'params.ts', 'genesis.ts', 'queries.ts', 'expectedKeepers.ts']
/**
 * Another module's files a module may import (besides what is private above): the registry's
 * node.ts is its public types file (`import type` only); payments' voucherErrors.ts maps the
 * protocol's voucher refusals to payments' result codes, which settlement answers with too.
 */
const TYPE_IMPORTS_ALLOWED = ['registry/node.ts', 'payments/voucherErrors.ts']
const VALUE_IMPORTS_ALLOWED = ['payments/voucherErrors.ts']

type Import = { typeOnly: boolean; target: string }

/** Every static import and re-export of `source` (multi-line ones too), resolved against `file` (a path under src/ledger). */
function importsOf(file: string, source: string): Import[] {
  const out: Import[] = []
  for (const m of source.matchAll(/^(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)'/gms)) {
    const spec = m[3]
    if (!spec.startsWith('.')) continue
    out.push({ typeOnly: Boolean(m[2]), target: posix.normalize(posix.join(posix.dirname(file), spec)) })
  }
  if (/\bimport\(/.test(source)) out.push({ typeOnly: false, target: 'dynamic import()' })
  return out
}

/** What is wrong with `file`'s imports (empty: nothing). */
function boundaryViolations(file: string, source: string): string[] {
  const own = file.split('/')[0]
  const problems: string[] = []
  for (const { typeOnly, target } of importsOf(file, source)) {
    if (target === 'dynamic import()') problems.push(`${file}: dynamic import`)
    if (target === 'app.ts' || target === 'modules.ts') problems.push(`${file} imports ${target}: modules are wired by modules.ts, not the other way round`)
    const [module, name] = target.split('/')
    if (!(MODULES as readonly string[]).includes(module) || module === own || name === undefined) continue
    if (PRIVATE_FILES.includes(name)) problems.push(`${file} imports ${target}: another module's ${name} (declare what you need in ${own}/expectedKeepers.ts)`)
    else if (!TYPE_IMPORTS_ALLOWED.includes(target) && !VALUE_IMPORTS_ALLOWED.includes(target)) problems.push(`${file} imports ${target}, which is not another module's public types file`)
    else if (!typeOnly && !VALUE_IMPORTS_ALLOWED.includes(target)) problems.push(`${file} imports values from ${target}: types only (import type)`)
  }
  return problems
}

function moduleSources(): Array<{ file: string; source: string }> {
  const out = []
  for (const module of MODULES) {
    for (const name of readdirSync(new URL(`${module}/`, ROOT))) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue
      out.push({ file: `${module}/${name}`, source: readFileSync(new URL(`${module}/${name}`, ROOT), 'utf8') })
    }
  }
  return out
}

test('the import check finds what it is meant to find', () => {
  assert.deepEqual(importsOf('settlement/x.ts', "import {\n  getNode,\n  listNodes,\n} from '../registry/keeper.ts'\nimport type { A } from './y.ts'\n"), [
    { typeOnly: false, target: 'registry/keeper.ts' },
    { typeOnly: true, target: 'settlement/y.ts' },
  ])
  assert.equal(boundaryViolations('settlement/x.ts', "import { getNode } from '../registry/keeper.ts'").length, 1)
  assert.equal(boundaryViolations('settlement/x.ts', "import { STAKE_POOL_ADDRESS } from '../registry/keys.ts'").length, 1)
  assert.equal(boundaryViolations('payments/x.ts', "import type { BankKeeper } from '../registry/expectedKeepers.ts'").length, 1)
  assert.equal(boundaryViolations('settlement/x.ts', "import { nodeStatus } from '../registry/node.ts'").length, 1, 'values from a types file')
  assert.equal(boundaryViolations('settlement/x.ts', "export { handleRegister } from '../registry/msgServer.ts'").length, 1)
  assert.deepEqual(boundaryViolations('settlement/x.ts', "import type { NodeRecord } from '../registry/node.ts'\nimport { getBatch } from './keeper.ts'\nimport type { RegistryKeeper } from './expectedKeepers.ts'"), [])
})

test("no module imports another module's keeper, keys, handlers or params: only its own and its expectedKeepers.ts", () => {
  const problems = moduleSources().flatMap(({ file, source }) => boundaryViolations(file, source))
  assert.deepEqual(problems, [])
})

test('a module that uses another declares what it uses in expectedKeepers.ts (interfaces only); the others import no module', () => {
  for (const module of MODULES) {
    const sources = moduleSources().filter((s) => s.file.startsWith(`${module}/`))
    const usesOthers = sources.some(({ file, source }) => importsOf(file, source).some((i) => MODULES.some((m) => m !== module && i.target.startsWith(`${m}/`))))
    const declared = existsSync(new URL(`${module}/expectedKeepers.ts`, ROOT))
    if (!declared) {
      assert.ok(!usesOthers, `${module} uses another module but has no expectedKeepers.ts`)
      continue
    }
    const source = readFileSync(new URL(`${module}/expectedKeepers.ts`, ROOT), 'utf8')
    assert.match(source, /export interface \w+Keeper\b/, `${module}/expectedKeepers.ts declares keeper interfaces`)
    for (const i of importsOf(`${module}/expectedKeepers.ts`, source)) assert.ok(i.typeOnly, `${module}/expectedKeepers.ts imports ${i.target} as a value: it holds types only`)
    assert.doesNotMatch(source, /^(export\s+)?(const|let|function|class)\b/m, `${module}/expectedKeepers.ts holds types only`)
  }
})

test('keepers are wired in one place: only modules.ts (and the ante handler of app.ts, for fees) imports a module keeper', () => {
  const outside = readdirSync(ROOT).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  for (const f of outside) {
    const keepers = importsOf(f, readFileSync(new URL(f, ROOT), 'utf8')).filter((i) => /^[a-z]+\/keeper\.ts$/.test(i.target) && !i.typeOnly)
    if (f === 'modules.ts') assert.ok(keepers.length >= 4, 'modules.ts builds the keepers')
    else if (f === 'app.ts') assert.deepEqual(keepers.map((k) => k.target), ['accounts/keeper.ts'])
    else assert.deepEqual(keepers, [], `${f} imports a keeper`)
  }
})

/** Each pool and its owner: the only module whose code names the pool's address (app.ts pays fees into the fee pool). */
const POOLS = [
  { constant: 'FEE_POOL_ADDRESS', owner: 'accounts', alsoIn: ['app.ts'] },
  { constant: 'STAKE_POOL_ADDRESS', owner: 'registry', alsoIn: [] },
  { constant: 'PAYMENTS_ESCROW_ADDRESS', owner: 'payments', alsoIn: [] },
]

test('each pool is moved only by the module that owns it; others may only pay into the fee pool', () => {
  const all = [...moduleSources(), ...readdirSync(ROOT).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => ({ file: f, source: readFileSync(new URL(f, ROOT), 'utf8') }))]
  for (const pool of POOLS) {
    const users = all.filter(({ source }) => new RegExp(`\\b${pool.constant}\\b`).test(source)).map(({ file }) => file)
    for (const file of users) assert.ok(file.startsWith(`${pool.owner}/`) || pool.alsoIn.includes(file), `${file} names ${pool.constant}, which only ${pool.owner} moves`)
    assert.ok(users.some((f) => f.startsWith(`${pool.owner}/`)), `${pool.owner} defines and uses ${pool.constant}`)
  }
  // Through a BankKeeper, another module sees the fee pool as `feePool`, and only as where an output goes.
  for (const { file, source } of moduleSources()) {
    if (file.startsWith('accounts/') || file.endsWith('/expectedKeepers.ts')) continue
    for (const m of source.matchAll(/^.*\bfeePool\b.*$/gm)) assert.match(m[0], /\bto: [\w.]*\bfeePool\b/, `${file}: "${m[0].trim()}" uses the fee pool other than as an output`)
  }
})
